"""Ledger records as the CLI shows them (executions named after requests: ``requests.submission``)."""

from __future__ import annotations

from typing import Any

from lakegate.ledger.record import PRIVATE_FIELDS, LedgerRecord


def public_record(record: LedgerRecord) -> dict[str, Any]:
    """A ledger record without the fields that could decide or resume a request."""
    return {key: value for key, value in record.items() if key not in PRIVATE_FIELDS}
