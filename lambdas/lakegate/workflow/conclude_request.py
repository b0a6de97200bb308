"""Last step: record the outcome (GRANTED, DENIED or EXPIRED) and notify the consumer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lakegate.core.errors import InvalidRequest, RequestStateConflict
from lakegate.ledger.status import Status
from lakegate.ledger.store import SYSTEM_ACTOR, Ledger, timestamp, utc_now
from lakegate.workflow.consumer_notice import ConsumerNotifier


def outcome_of(state: Mapping[str, Any]) -> Status:
    """The outcome the workflow state shows: a timeout, a grant, or the owner's denial."""
    if "timeout" in state:
        return Status.EXPIRED
    if "grant" in state:
        return Status.GRANTED
    decision = state.get("decision") or {}
    if decision.get("decision") == Status.DENIED:
        return Status.DENIED
    raise InvalidRequest("the workflow state shows no grant, denial or timeout to conclude")


def readable_duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def conclude_request(
    state: Mapping[str, Any], *, ledger: Ledger, notifier: ConsumerNotifier, now: datetime | None = None
) -> dict[str, Any]:
    """Make the ledger show the outcome, notify the consumer, and return the execution's output."""
    now = now or utc_now()
    request_id = state["request_id"]
    outcome = outcome_of(state)
    record = ledger.require(request_id)
    if outcome == Status.EXPIRED and record["status"] != Status.EXPIRED:
        record = ledger.transition(
            request_id,
            to=Status.EXPIRED,
            # From APPROVED or DENIED too: a click that raced the timeout lost, and its page says so.
            by=SYSTEM_ACTOR,
            reason="nobody decided within "
            + readable_duration(state["evaluation"]["approval_timeout_seconds"]),
            now=now,
            remove_fields=("task_token",),
        )
    elif record["status"] != outcome:
        raise RequestStateConflict(f"request {request_id} is {record['status']}, not {outcome.value}")
    notifier.publish(record, outcome.value)
    ledger.update_fields(request_id, {"consumer_notified_at": timestamp(now)}, now=now)
    return {
        "request_id": request_id,
        "status": outcome.value,
        "item": record.get("item"),
        "consumer_account": record.get("consumer_account"),
        "grants": record.get("grants", []),
        "access_expires_at": record.get("access_expires_at"),
        "decided_by": record.get("decided_by"),
        "decision_comment": record.get("decision_comment"),
    }
