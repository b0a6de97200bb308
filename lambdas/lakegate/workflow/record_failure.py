"""The failure path: record why a request failed, tell the consumer, hand the named error back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger, timestamp, utc_now
from lakegate.workflow.consumer_notice import ConsumerNotifier

logger = Logger(child=True)
MAX_CAUSE_LENGTH = 2000
# Statuses that say what Lake Formation holds (or held): a failure is recorded beside them.
_KEEPS_ITS_STATUS = frozenset({Status.GRANTED.value, Status.REVOKED.value})


def readable_failure(failure: Mapping[str, Any]) -> tuple[str, str]:
    """The error name and a cause a person can act on, from a Step Functions Catch result.

    A Lambda error's Cause is a JSON document with the message and a stack trace; only the
    message is kept. Service errors carry plain text, kept as it is.
    """
    error = str(failure.get("Error") or "States.Unknown")
    raw_cause = str(failure.get("Cause") or "")
    cause = raw_cause
    try:
        parsed = json.loads(raw_cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        cause = str(parsed["errorMessage"])
    cause = cause.strip() or f"the workflow failed with {error}"
    if len(cause) > MAX_CAUSE_LENGTH:
        cause = cause[: MAX_CAUSE_LENGTH - 3] + "..."
    return error, cause


def record_failure(
    event: Mapping[str, Any], *, ledger: Ledger, notifier: ConsumerNotifier, now: datetime | None = None
) -> dict[str, str]:
    """Write FAILED with the error and cause to the ledger, notify, and return them for the Fail state.

    A request that holds grants (GRANTED) or held them (REVOKED) keeps its status, since FAILED would
    hide what Lake Formation holds: the failed follow-up (a notice not delivered) is recorded beside
    it, and ``lakegate revoke`` still works. The execution fails with the named error either way.
    """
    now = now or utc_now()
    request_id = event["request_id"]
    error, cause = readable_failure(event.get("failure") or {})
    record = ledger.record_failure(request_id, error=error, cause=cause, now=now)
    if record.get("status") in _KEEPS_ITS_STATUS:
        ledger.update_fields(
            request_id,
            {"follow_up_error": error, "follow_up_cause": cause, "follow_up_failed_at": timestamp(now)},
            now=now,
        )
        logger.error(
            "a step after the grant failed; the request stays as it is",
            extra={"request_id": request_id, "status": record.get("status"), "error": error, "cause": cause},
        )
        return {"request_id": request_id, "error": error, "cause": cause}
    try:
        notifier.publish(record, Status.FAILED.value)
    except Exception:
        # The named error matters more than the notice: the execution must still fail with it.
        logger.exception("could not notify the consumer of a failure", extra={"request_id": request_id})
    return {"request_id": request_id, "error": error, "cause": cause}
