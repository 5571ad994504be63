"""Ledger storage: the repository interface, the item codec, the DynamoDB adapter and a fake."""
