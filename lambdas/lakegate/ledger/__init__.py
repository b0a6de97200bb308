"""The request ledger: the DynamoDB record, its allowed transitions, and the status-event outbox."""
