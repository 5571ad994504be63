"""The domain model and business rules: transactions, earning, expiry, tiers, aggregates. No I/O
and no wire formats."""
