"""Benchmarks: cost and speed of loyalty-ledger next to its peers and limits (``nox -s bench``).

Benchmarks print figures; they never assert timings. ``python -m benchmarks.run --json PATH``
runs every figure group and writes the table as JSON too.
"""
