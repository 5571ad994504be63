"""The demo's scenario: booking traffic with its expected outcome worked out independently.

The expected state follows from the domain rules alone (a booking counts once if it was
confirmed and never cancelled; fake bookings expire; the poison booking counts once it has been
repaired and replayed; points spent are gone and what a cancellation takes back beyond what is
left is arrears), never from what the pipeline did, so the demo can check itself.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loyalty.publishing import booking_event, build_sns_message

if TYPE_CHECKING:
    from loyalty.publishing import SnsBookingMessage

__all__ = ["Booking", "Scenario", "Spending", "build_scenario", "repair_poison"]

POISON_AMOUNT_TEXT = "12.345,00"
"""The poison booking's amount: a locale-formatted string where integer minor units belong."""
POISON_AMOUNT = 12_345


@dataclass(frozen=True, slots=True)
class Booking:
    """One booking of the scenario and what should become of it."""

    customer_id: str
    booking_id: str
    amount: int
    cancelled: bool = False
    cancel_first: bool = False
    fake: bool = False
    copies: int = 1
    late: bool = False
    """Confirmed only after the spending customer's arrears have been read (the late wave)."""

    @property
    def counts(self) -> bool:
        """Whether the booking's points count in the end."""
        return not self.cancelled and not self.fake


@dataclass(frozen=True, slots=True)
class Spending:
    """What one customer (the spender, with bookings of their own) does with their points.

    After the first wave: ``committed`` points are reserved and committed, ``cancelled`` reserved
    and cancelled, ``timed_out`` reserved and never committed; then a reserve for one point more
    than is left is refused, and what is left is reserved and committed (``spent_rest``). The
    second wave cancels ``revoked_booking``, whose points were spent: arrears.
    """

    customer_id: str
    earned_first: int
    committed: int
    cancelled: int
    timed_out: int
    revoked_booking: str
    revoked: int
    repaid: int
    """Points of the late booking, which repay arrears first."""

    @property
    def spendable_after_holds(self) -> int:
        """What is left once the committed and the timing-out redemptions hold their points."""
        return self.earned_first - self.committed - self.timed_out

    @property
    def refused(self) -> int:
        """The reserve that must be refused: one point more than is left."""
        return self.spendable_after_holds + 1

    @property
    def spent_rest(self) -> int:
        return self.spendable_after_holds

    @property
    def spent(self) -> int:
        """Every point committed."""
        return self.committed + self.spent_rest

    @property
    def arrears_after_revocation(self) -> int:
        """Arrears once the booking is revoked and the timed-out hold's points have come back:
        what the revocation takes beyond what was earned and not spent."""
        return max(0, self.spent + self.revoked - self.earned_first)

    @property
    def arrears(self) -> int:
        """Arrears at the end, once the late booking has repaid what it can."""
        return max(0, self.arrears_after_revocation - self.repaid)


@dataclass(slots=True)
class Scenario:
    """Three waves of messages, the spender's redemptions, and the expected final state."""

    customers: list[str]
    bookings: list[Booking]
    poison_customer: str
    poison_booking: str
    spending: Spending
    first_wave: list[SnsBookingMessage] = field(default_factory=list)
    second_wave: list[SnsBookingMessage] = field(default_factory=list)
    late_wave: list[SnsBookingMessage] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return len(self.first_wave) + len(self.second_wave) + len(self.late_wave)

    @property
    def fakes(self) -> int:
        return sum(1 for booking in self.bookings if booking.fake)

    def expected_qualifying(self) -> dict[str, int]:
        """Every customer's earned points (what sets the tier) once the poison booking has been
        repaired and replayed."""
        points = dict.fromkeys(self.customers, 0)
        for booking in self.bookings:
            if booking.counts:
                points[booking.customer_id] += booking.amount
        points[self.poison_customer] += POISON_AMOUNT
        return points

    def expected_points(self) -> dict[str, int]:
        """Every customer's spendable points at the end: earned, less what the spender spent
        (never below zero: what is missing is arrears)."""
        points = self.expected_qualifying()
        spender = self.spending.customer_id
        points[spender] = max(0, points[spender] - self.spending.spent)
        return points

    def expected_arrears(self) -> dict[str, int]:
        """Every customer's arrears at the end (only the spender has any)."""
        arrears = dict.fromkeys(self.customers, 0)
        arrears[self.spending.customer_id] = self.spending.arrears
        return arrears

    def expected_ledger(self) -> dict[tuple[str, str], str]:
        """``(customer, booking) -> status`` of every transaction left in the ledger."""
        ledger = {
            (b.customer_id, b.booking_id): "REVOKED" if b.cancelled else "ACTIVE"
            for b in self.bookings
            if not b.fake
        }
        ledger[(self.poison_customer, self.poison_booking)] = "ACTIVE"
        return ledger


def poison_message(customer_id: str, booking_id: str) -> SnsBookingMessage:
    """A booking whose amount is a formatted string: every delivery is rejected."""
    body = {
        "customerId": customer_id,
        "booking": {"id": booking_id, "reference": "POISON", "outboundFlightId": "LH-400"},
        "payment": {"receipt": f"receipt-{booking_id}", "amount": POISON_AMOUNT_TEXT},
    }
    return {
        "Message": json.dumps(body),
        "MessageAttributes": {"Booking.Status": {"DataType": "String", "StringValue": "confirmed"}},
    }


def repair_poison(body: str) -> str:
    """The operator's fix: the amount as integer minor units."""
    document: dict[str, Any] = json.loads(body)
    document["payment"]["amount"] = POISON_AMOUNT
    return json.dumps(document)


def build_scenario(
    *, customers: int = 36, seed: int = 2026, fakes: int = 16, rng: random.Random | None = None
) -> Scenario:
    """A few hundred bookings over ``customers`` customers (at least 2).

    About 15% of confirmations are published two or three times, 8% of bookings are cancelled
    before their confirmation arrives and 10% after it was ingested; ``fakes`` fake bookings
    (quickly expiring test traffic) and one poison message complete the mix. Amounts are spread
    so that customers end in every tier. The last customer is the spender (:class:`Spending`),
    with bookings of their own and none of the random traffic.

    Raises
    ------
    ValueError
        If ``customers`` is less than 2.
    """
    if customers < 2:
        raise ValueError(f"customers must be at least 2 (got {customers})")
    rng = rng or random.Random(seed)
    ids = [f"customer-{index:03d}" for index in range(1, customers)]
    bookings: list[Booking] = []
    for number, customer in enumerate(ids):
        # Three spending profiles, so some customers stay BRONZE and some reach GOLD.
        ceiling = (6_000, 16_000, 30_000)[number % 3]
        for index in range(rng.randint(5, 10)):
            roll = rng.random()
            bookings.append(
                Booking(
                    customer_id=customer,
                    booking_id=f"{customer}-b{index:02d}",
                    amount=rng.randint(1_000, ceiling),
                    cancelled=roll < 0.18,
                    cancel_first=roll < 0.08,
                    copies=rng.choice((2, 3)) if rng.random() < 0.15 else 1,
                )
            )
    for index in range(fakes):
        customer = ids[index % len(ids)]
        bookings.append(
            Booking(customer, f"{customer}-fake{index:02d}", rng.randint(5_000, 20_000), fake=True)
        )

    # The spender has no fake points (whose lots would expire under a hold) and no random traffic.
    spender = f"customer-{customers:03d}"
    spent_bookings = [
        Booking(spender, f"{spender}-b00", 8_000),
        Booking(spender, f"{spender}-b01", 6_000, cancelled=True),
        Booking(spender, f"{spender}-b02", 5_000),
    ]
    late = Booking(spender, f"{spender}-b03", 2_500, late=True)
    bookings.extend([*spent_bookings, late])
    spending = Spending(
        spender,
        earned_first=sum(booking.amount for booking in spent_bookings),
        committed=4_000,
        cancelled=3_000,
        timed_out=2_000,
        revoked_booking=spent_bookings[1].booking_id,
        revoked=spent_bookings[1].amount,
        repaid=late.amount,
    )
    scenario = Scenario([*ids, spender], bookings, ids[0], f"{ids[0]}-poison", spending)

    def message(booking: Booking, status: str) -> SnsBookingMessage:
        event = booking_event(
            booking.customer_id,
            booking.booking_id,
            booking.amount,
            reference=booking.booking_id[-6:].upper(),
            outbound_flight_id=f"LH-{rng.randint(100, 999)}",
            receipt=f"receipt-{booking.booking_id}",
        )
        return build_sns_message(event, status, fake=booking.fake)

    for booking in bookings:
        if booking.late:
            scenario.late_wave.append(message(booking, "confirmed"))
        elif booking.fake:
            scenario.second_wave.append(message(booking, "confirmed"))
        elif booking.cancel_first:
            # The cancel overtakes the confirmation: it lands first, the confirm later.
            scenario.first_wave.append(message(booking, "cancelled"))
            scenario.second_wave.append(message(booking, "confirmed"))
        else:
            scenario.first_wave.extend([message(booking, "confirmed")] * booking.copies)
            if booking.cancelled:
                scenario.second_wave.append(message(booking, "cancelled"))
    scenario.second_wave.append(poison_message(scenario.poison_customer, scenario.poison_booking))
    rng.shuffle(scenario.first_wave)
    rng.shuffle(scenario.second_wave)
    return scenario
