"""Approver reminder: one more email, with fresh links, when a sensitive request is still undecided.

When request_approval has emailed the data owner, it starts one execution of the approval-reminder
state machine (named ``<request_id>-reminder``). The execution waits until the reminder time, the
approval deadline (``approval_expires_at``) minus ``APPROVAL_REMINDER_SECONDS``, and then invokes
request_approval again with ``{"request_id": ..., "reminder": true}``: the same function and role,
the only one the producer accounts trust to publish on their approval topics. In that mode it emails
the reminder only if the request is still PENDING_APPROVAL, before its deadline and not reminded yet
(``reminded_at``), so the owner gets at most one reminder.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.errors import error_code, raise_if_transient
from lakegate.workflow.access_expiry import suffixed_execution_name, wait_timestamp

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger(child=True)

REMINDER_SUFFIX = "-reminder"


def reminder_at(approval_expires_at: str | None, reminder_seconds: float) -> datetime | None:
    """When to remind the owner of a request whose approval deadline is ``approval_expires_at``.

    None when reminders are off (``reminder_seconds`` 0) or the request has no deadline. The time is
    rounded down to a whole second, as the Wait state reads it, so the reminder never comes later
    than the configured point before the deadline.
    """
    if reminder_seconds <= 0 or not approval_expires_at:
        return None
    deadline = datetime.fromisoformat(approval_expires_at).astimezone(UTC)
    moment = deadline - timedelta(seconds=reminder_seconds)
    return moment.replace(microsecond=0)


def reminder_execution_name(request_id: str) -> str:
    """``<request_id>-reminder``, within the 80 characters of an execution name."""
    return suffixed_execution_name(request_id, REMINDER_SUFFIX)


def reminder_seconds_from(raw: str) -> float:
    """``APPROVAL_REMINDER_SECONDS`` as a number of seconds: 0 (off) or more."""
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"APPROVAL_REMINDER_SECONDS must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"APPROVAL_REMINDER_SECONDS must be 0 (off) or more, got {raw!r}")
    return value


@dataclass(frozen=True)
class ReminderScheduler:
    """Starts the approval-reminder state machine for a request that has just been sent to its owner."""

    state_machine_arn: str
    stepfunctions: SFNClient
    reminder_seconds: float

    def schedule(
        self, request_id: str, *, approval_expires_at: str | None, now: datetime
    ) -> dict[str, Any] | None:
        """Start the one reminder execution of ``request_id`` if its reminder time is still ahead.

        Returns what was scheduled, or None when no reminder is due: reminders are off, or the
        reminder time has already passed (a deadline closer than the reminder period).
        """
        remind_at = reminder_at(approval_expires_at, self.reminder_seconds)
        if remind_at is None or remind_at <= now:
            return None
        name = reminder_execution_name(request_id)
        payload = {"request_id": request_id, "remind_at": wait_timestamp(remind_at)}
        try:
            started = self.stepfunctions.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload)
            )
        except ClientError as error:
            if error_code(error) != "ExecutionAlreadyExists":
                raise_if_transient(error, f"starting the reminder execution {name}")
                raise
            # A retry of the approval step: the first attempt scheduled it already.
            logger.info("reminder already scheduled", extra={"request_id": request_id, "execution": name})
            return {"execution_name": name, **payload}
        return {"execution_name": name, "execution_arn": started["executionArn"], **payload}
