"""The repository interface every storage adapter implements."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol

from loyalty.domain.tiers import DEFAULT_TIER_POLICY

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Sequence
    from concurrent.futures import Executor
    from datetime import datetime

    from loyalty.domain.aggregates import CustomerAggregate, CustomerSummary
    from loyalty.domain.redemptions import Redemption
    from loyalty.domain.tiers import TierPolicy
    from loyalty.domain.transactions import Transaction
    from loyalty.errors import UnreadableItem

    OnUnreadable = Callable[[UnreadableItem], None]

__all__ = ["AggregateSave", "LoyaltyRepository", "WriteOutcome"]


class WriteOutcome(StrEnum):
    """What a ledger write did; every value is a success (duplicates are not errors)."""

    CREATED = "created"
    """A new ACTIVE transaction was recorded."""
    DUPLICATE = "duplicate"
    """The booking already had a transaction; nothing changed."""
    CONFIRM_AFTER_CANCEL = "confirm_after_cancel"
    """The booking was already revoked by an earlier cancel; it stays revoked."""
    REVOKED = "revoked"
    """An ACTIVE transaction was revoked."""
    REVOKED_BEFORE_CONFIRM = "revoked_before_confirm"
    """No transaction existed yet; a REVOKED one was recorded so a late confirm cannot count."""
    ALREADY_REVOKED = "already_revoked"
    """The transaction was already revoked; nothing changed."""


class AggregateSave(NamedTuple):
    """One customer's aggregate to store, and the stored one it replaces (None: none stored)."""

    aggregate: CustomerAggregate
    expected: CustomerAggregate | None


class LoyaltyRepository(Protocol):
    """Storage of ledger transactions, one per (customer, booking).

    Each write is a single conditional request, so retries and duplicates never change the
    outcome: the first write for a booking wins and later ones report what they found.
    """

    def record_transaction(self, transaction: Transaction) -> WriteOutcome:
        """Insert ``transaction`` unless the booking already has one.

        Returns CREATED, DUPLICATE or CONFIRM_AFTER_CANCEL.
        """
        ...

    def revoke_transaction(self, transaction: Transaction) -> WriteOutcome:
        """Mark the booking's transaction REVOKED, creating it REVOKED if it does not exist yet.

        ``transaction`` is the REVOKED record to store when none exists (built from the cancel
        event). Returns REVOKED, REVOKED_BEFORE_CONFIRM or ALREADY_REVOKED.
        """
        ...

    def get_transaction(self, customer_id: str, booking_id: str) -> Transaction | None:
        """Return the booking's transaction, or None.

        Raises
        ------
        UnreadableItem
            If the stored item cannot be decoded.
        """
        ...

    def list_transactions(
        self, customer_id: str, *, on_unreadable: OnUnreadable | None = None
    ) -> list[Transaction]:
        """Return all of a customer's transactions still in the ledger, oldest booking key first.

        An item that cannot be decoded is skipped and handed to ``on_unreadable`` (by default it
        is logged as a warning): one bad item never hides the others.
        """
        ...

    def scan_ledger(
        self,
        segment: int = 0,
        total_segments: int = 1,
        *,
        on_unreadable: OnUnreadable | None = None,
    ) -> Iterator[Transaction]:
        """Yield every transaction in one segment of a parallel scan of the whole ledger.

        Items that cannot be decoded are skipped and handed to ``on_unreadable``, as in
        :meth:`list_transactions`.
        """
        ...

    def scan_table(
        self,
        segment: int = 0,
        total_segments: int = 1,
        *,
        on_unreadable: OnUnreadable | None = None,
    ) -> Iterator[Transaction | Redemption | CustomerAggregate]:
        """Yield every transaction, redemption and aggregate in one segment of a parallel scan.

        One pass reads them all, so a reconciliation sees every customer with any of them and
        can compare the aggregate with the ledger and the redemptions (strongly consistent). A transaction item that cannot be decoded is skipped and handed to
        ``on_unreadable`` (default: logged).
        """
        ...

    def get_aggregate(self, customer_id: str) -> CustomerAggregate | None:
        """Return the customer's stored aggregate (strongly consistent), or None."""
        ...

    def get_aggregates(self, customer_ids: Collection[str]) -> dict[str, CustomerAggregate]:
        """Return the stored aggregates of many customers (strongly consistent) by customer id.

        Customers without an aggregate are absent from the result.
        """
        ...

    def save_aggregate(
        self, aggregate: CustomerAggregate, expected: CustomerAggregate | None
    ) -> None:
        """Store ``aggregate`` if the stored one is still ``expected`` (None: none stored).

        One conditional write on the stored ``version``.

        Raises
        ------
        AggregateConflict
            Carrying the aggregate stored now, when it is not ``expected``.
        """
        ...

    def save_aggregates(
        self, writes: Sequence[AggregateSave], *, executor: Executor | None = None
    ) -> dict[str, Exception]:
        """Store many customers' aggregates, each only if its stored one is still ``expected``.

        Each customer's write succeeds or fails on its own, as :meth:`save_aggregate` would.
        ``writes`` name each customer once; ``executor`` runs the requests, if there are several.

        Returns
        -------
        dict[str, Exception]
            The customers whose aggregate was not stored, with why: an
            :class:`~loyalty.errors.AggregateConflict` carrying the aggregate stored now, or the
            error that refused the write. Every other customer's aggregate was stored.
        """
        ...

    def get_summary(
        self,
        customer_id: str,
        tiers: TierPolicy = DEFAULT_TIER_POLICY,
        *,
        at: datetime | None = None,
    ) -> CustomerSummary:
        """Return the customer's summary at instant ``at`` (default: now); empty if unknown.

        One eventually consistent read of the aggregate; the summary is computed from its lots
        at ``at`` (see :meth:`CustomerAggregate.summary`).
        """
        ...

    def get_redemption(self, customer_id: str, redemption_id: str) -> Redemption | None:
        """Return the customer's redemption (strongly consistent), or None."""
        ...

    def list_redemptions(self, customer_id: str) -> list[Redemption]:
        """Return all of the customer's redemptions (strongly consistent), by redemption id."""
        ...

    def get_redemption_state(
        self, customer_id: str, redemption_id: str
    ) -> tuple[Redemption | None, CustomerAggregate | None]:
        """Return the redemption and the customer's aggregate, strongly consistent, in one request."""
        ...

    def save_redemption(
        self,
        redemption: Redemption,
        expected: Redemption | None,
        aggregate: CustomerAggregate,
        expected_aggregate: CustomerAggregate,
    ) -> None:
        """Store the redemption and the aggregate together, or neither (decision 0013).

        One single-customer transaction: the redemption is written only if its stored status is
        still ``expected``'s (None: no redemption stored), the aggregate only if its stored
        ``version`` is still ``expected_aggregate``'s.

        Raises
        ------
        RedemptionWriteConflict
            If either changed since it was read: nothing was written.
        """
        ...
