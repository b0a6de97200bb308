"""Ledger records as evaluation writes them, for tests that start further along the workflow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CONSUMER = "444455556666"
PRODUCER = "222222222222"


def evaluated_fields(
    database: str = "customers",
    table: str = "profiles",
    *,
    columns: tuple[str, ...] = (),
    sensitive: bool = True,
    person: str | None = None,
    **request_changes: Any,
) -> dict[str, Any]:
    """The fields ``evaluate_request`` records for a request (overridable request fields)."""
    request = {
        "database": database,
        "table": table,
        "columns": list(columns),
        "consumer_account": CONSUMER,
        "principal": None,
        "permissions": ["SELECT"] if columns else ["SELECT", "DESCRIBE"],
        "requester": "alice",
        "justification": None,
        "duration_days": None,
        **request_changes,
    }
    return {
        "request": request,
        "consumer_account": CONSUMER,
        "person": person,
        "data_owner": PRODUCER,
        "data_owner_name": "Customer Data",
        "sensitive": sensitive,
        "sensitivity_reasons": [f"table {database}.{table} is flagged pii_flag"] if sensitive else [],
        "approval_expires_at": "2026-11-25T12:00:00+00:00" if sensitive else None,
    }
