"""Every command validates ids as the library does: one line naming the id, usage exit status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.functional.cli.conftest import Cli


@pytest.mark.parametrize(
    "arguments",
    [
        ("show", "cust file 4"),
        ("transactions", "cust file 4"),
        ("revoke", "cust file 4", "b-1", "--yes"),
        ("backfill", "--customer", "cust file 4", "--yes"),
    ],
)
def test_a_customer_id_ingest_would_refuse_is_refused_by_the_command(
    cli: Cli, arguments: tuple[str, ...]
) -> None:
    result = cli(*arguments)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: customer id 'cust file 4': contains a character ' '")
    assert result.stderr.count("\n") == 1


def test_an_invalid_booking_id_is_named_by_revoke(cli: Cli) -> None:
    result = cli("revoke", "c-1", "b#1", "--yes")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: booking id 'b#1': contains a character '#'")
