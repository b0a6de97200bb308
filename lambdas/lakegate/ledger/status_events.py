"""Status events: every change of a request's status, put on lakegate's EventBridge bus for other teams.

Each event has source ``lakegate``, one detail-type per new status (``DETAIL_TYPES``) and a detail
built from the ledger record; its contract is ``schemas/access-request-status-changed.schema.json``.
The ledger decides when a change happened (``lakegate.ledger.store.Ledger``); this module only says what
the event holds and puts it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from lakegate.core.errors import TransientAwsError, raise_if_transient
from lakegate.ledger.record import LedgerRecord

SOURCE = "lakegate"
# Keyed by the ledger's status values (lakegate.ledger.store.Status), so this module needs nothing from it.
DETAIL_TYPES: Mapping[str, str] = {
    "RECEIVED": "Access Request Created",
    "PENDING_APPROVAL": "Access Request Pending Approval",
    "APPROVED": "Access Request Approved",
    "DENIED": "Access Request Denied",
    "EXPIRED": "Access Request Expired",
    "GRANTED": "Access Request Granted",
    "REVOKED": "Access Request Revoked",
    "FAILED": "Access Request Failed",
}
WITH_GRANTS = frozenset({"GRANTED", "REVOKED"})


class EventsClient(Protocol):
    """The one EventBridge call the publisher makes (a boto3 ``events`` client has it)."""

    def put_events(self, *, Entries: Sequence[Any]) -> Any: ...


def status_change_detail(record: LedgerRecord, previous_status: str | None) -> dict[str, Any]:
    """The detail of the event for the change that made ``record`` what it is.

    ``record`` is the ledger record just after the change: its status and its last history entry
    (when, who, why) are the change. Only fields chosen here leave the ledger, so the approval
    secret's hash and the task token never do.
    """
    change = record["history"][-1]
    status = str(record["status"])
    # Absent when a request failed before it was recorded (its input was invalid, say).
    request: Mapping[str, Any] = record.get("request") or {}
    detail: dict[str, Any] = {
        "request_id": record["request_id"],
        "sequence": len(record["history"]) - 1,
        "status": status,
        "previous_status": previous_status,
        "item": record.get("item"),
        "database": record.get("database"),
        "table": request.get("table"),
        "columns": list(request["columns"]) if "columns" in request else None,
        "consumer_account": record.get("consumer_account"),
        "principal": request.get("principal"),
        "person": record.get("person"),
        "data_owner": record.get("data_owner"),
        "requester": record.get("requester"),
        "at": change["at"],
        "by": change["by"],
        "reason": change["reason"],
    }
    if status in WITH_GRANTS:
        detail["grants"] = list(record.get("grants") or [])
    if status == "FAILED":
        detail["error"] = record.get("error")
        detail["cause"] = record.get("cause")
    return detail


class StatusEventPublisher:
    """Puts status events on one EventBridge bus, one entry per change."""

    def __init__(self, bus_name: str, *, events: EventsClient) -> None:
        self.bus_name = bus_name
        self._events = events

    def entry(self, detail: Mapping[str, Any]) -> dict[str, Any]:
        """The ``PutEvents`` entry for ``detail``; its time is the change's, not the moment it is put."""
        return {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPES[detail["status"]],
            "Detail": json.dumps(detail, sort_keys=True),
            "Resources": [],
            "Time": datetime.fromisoformat(detail["at"]),
            "EventBusName": self.bus_name,
        }

    def publish(self, detail: Mapping[str, Any]) -> str:
        """Put one event; TransientAwsError when EventBridge did not take it, so the step is retried."""
        entry = self.entry(detail)
        doing = f"putting {entry['DetailType']!r} of request {detail['request_id']} on bus {self.bus_name}"
        try:
            response = self._events.put_events(Entries=[entry])
        except ClientError as error:
            raise_if_transient(error, doing)
            raise
        (result,) = response["Entries"]
        if response.get("FailedEntryCount") or "EventId" not in result:
            raise TransientAwsError(
                f"{doing}: {result.get('ErrorCode', 'not accepted')} {result.get('ErrorMessage', '')}".strip()
            )
        return str(result["EventId"])
