"""Following a request until it ends: progress lines from the ledger, the outcome from the execution."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.store import SYSTEM_ACTOR, Ledger
from lakegate.workflow.grants import Grant
from lakegate_cli.errors import FAILED, CliError
from lakegate_cli.workflow import public_record

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

# An hour: enough for an owner who is at their desk; the approval itself may wait for days
# (72 hours by default), and `lakegate status` picks up from there.
DEFAULT_TIMEOUT_SECONDS = 3600
FIRST_POLL_SECONDS = 0.1  # quick at first: an auto-shared request ends within seconds
MAX_POLL_SECONDS = 5.0  # then every few seconds, two cheap reads each time


@dataclass(frozen=True)
class Outcome:
    """How a request ended: the execution's status and output, and the ledger's last word."""

    execution: Mapping[str, Any]
    record: LedgerRecord | None
    output: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.execution["status"] == "SUCCEEDED":
            return str(self.output.get("status") or (self.record or {}).get("status") or "SUCCEEDED")
        if self.execution["status"] == "FAILED":
            return "FAILED"
        return str(self.execution["status"])  # TIMED_OUT or ABORTED: stopped from outside the workflow

    @property
    def failed(self) -> bool:
        return str(self.execution["status"]) != "SUCCEEDED"

    @property
    def error(self) -> str | None:
        return self.execution.get("error") or (self.record or {}).get("error")

    @property
    def cause(self) -> str | None:
        return self.execution.get("cause") or (self.record or {}).get("cause")

    def summary(self) -> dict[str, Any]:
        record = self.record or {}
        return {
            "status": self.status,
            "execution_status": self.execution["status"],
            "grants": record.get("grants", []),
            "decided_by": record.get("decided_by"),
            "decided_at": record.get("decided_at"),
            "decision_comment": record.get("decision_comment"),
            "error": self.error,
            "cause": self.cause,
            "history": public_record(record).get("history", []),
        }


def follow(
    request_id: str,
    execution_arn: str,
    *,
    ledger: Ledger,
    sfn: SFNClient,
    timeout: float,
    show: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Show each new ledger history entry as a progress line until the execution ends."""
    deadline = clock() + timeout
    shown = 0
    status: str | None = None
    interval = FIRST_POLL_SECONDS
    while True:
        execution = sfn.describe_execution(executionArn=execution_arn)
        record = ledger.get(request_id)  # read after the execution: an ended execution's record is final
        for entry in (record or {}).get("history", [])[shown:]:
            show(progress_line(status, entry))
            status = entry.get("status")
            shown += 1
        if execution["status"] != "RUNNING":
            output = json.loads(execution["output"]) if execution.get("output") else {}
            return Outcome(execution=dict(execution), record=record, output=output)
        if clock() >= deadline:
            raise CliError(
                f"gave up waiting after {timeout:g}s: request {request_id} is still "
                f"{status or 'starting'} and carries on; check it later with: lakegate status {request_id}",
                FAILED,
            )
        sleep(interval)
        interval = min(interval * 2, MAX_POLL_SECONDS)


def progress_line(previous: str | None, entry: Mapping[str, Any]) -> str:
    """``12:00:03  RECEIVED → PENDING_APPROVAL (asked data owner ...)``, times in UTC."""
    at = str(entry.get("at", ""))
    clock_time = at[11:19] if len(at) >= 19 else at
    status = str(entry.get("status", ""))
    change = f"{previous} → {status}" if previous and previous != status else status
    reason = str(entry.get("reason") or "")
    by = entry.get("by")
    if by and by != SYSTEM_ACTOR:
        reason = f"by {by}: {reason}" if reason else f"by {by}"
    return f"{clock_time}  {change} ({reason})" if reason else f"{clock_time}  {change}"


def outcome_line(outcome: Outcome) -> str:
    """The outcome in one line: what was granted, who denied and why, or what failed."""
    record = outcome.record or {}
    status = outcome.status
    if status == "GRANTED":
        grants = [Grant.from_dict(grant).describe() for grant in record.get("grants", [])]
        return f"GRANTED: {'; '.join(grants)}" if grants else "GRANTED"
    if status == "DENIED":
        comment = record.get("decision_comment")
        return f"DENIED by {record.get('decided_by')}" + (f": {comment}" if comment else "")
    if status == "EXPIRED":
        return f"EXPIRED: nobody decided by {record.get('approval_expires_at')}; nothing was granted"
    if status == "FAILED":
        return f"FAILED: {outcome.error}: {outcome.cause}"
    return f"ended {status}: the execution was stopped outside lakegate"
