"""What the ledger tells other services: events as SNS messages, and how subscribers read them."""
