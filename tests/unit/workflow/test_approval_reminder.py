"""When the approver reminder is due, and when none is scheduled at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lakegate.approvals.email_message import approval_email
from lakegate.workflow.approval_reminder import (
    ReminderScheduler,
    reminder_at,
    reminder_execution_name,
    reminder_seconds_from,
)
from tests.support.ledger_records import evaluated_fields

DEADLINE = "2026-11-25T12:00:00+00:00"
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:reminder"


def test_the_reminder_is_the_deadline_minus_the_reminder_period() -> None:
    assert reminder_at(DEADLINE, 24 * 3600) == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_a_fractional_period_is_rounded_to_the_second_before() -> None:
    assert reminder_at(DEADLINE, 1.5) == datetime(2026, 11, 25, 11, 59, 58, tzinfo=UTC)


@pytest.mark.parametrize(("deadline", "seconds"), [(DEADLINE, 0), (None, 3600), ("", 3600)])
def test_no_reminder_when_off_or_without_a_deadline(deadline: str | None, seconds: float) -> None:
    assert reminder_at(deadline, seconds) is None


def test_the_execution_is_named_after_the_request_within_eighty_characters() -> None:
    assert reminder_execution_name("req-1") == "req-1-reminder"
    long_name = reminder_execution_name("r" * 90)
    assert len(long_name) == 80 and long_name.endswith("-reminder")
    assert long_name != reminder_execution_name("r" * 89 + "x")


@pytest.mark.parametrize("raw", ["-1", "soon", "nan", "inf"])
def test_a_bad_reminder_setting_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="APPROVAL_REMINDER_SECONDS"):
        reminder_seconds_from(raw)


def scheduler(seconds: float) -> tuple[ReminderScheduler, Stubber]:
    client: Any = boto3.client("stepfunctions", region_name="us-east-1")
    return ReminderScheduler(ARN, stepfunctions=client, reminder_seconds=seconds), Stubber(client)


def test_a_reminder_ahead_is_started_with_the_wait_timestamp() -> None:
    reminders, stubber = scheduler(3600)
    stubber.add_response(
        "start_execution",
        {"executionArn": "arn:x", "startDate": datetime(2026, 1, 1, tzinfo=UTC)},
        {
            "stateMachineArn": ARN,
            "name": "req-1-reminder",
            "input": json.dumps({"request_id": "req-1", "remind_at": "2026-11-25T11:00:00Z"}),
        },
    )
    with stubber:
        scheduled = reminders.schedule(
            "req-1", approval_expires_at=DEADLINE, now=datetime(2026, 11, 22, 12, tzinfo=UTC)
        )
    stubber.assert_no_pending_responses()
    assert scheduled is not None and scheduled["remind_at"] == "2026-11-25T11:00:00Z"


@pytest.mark.parametrize(
    ("seconds", "now"),
    [
        (0, datetime(2026, 11, 22, 12, tzinfo=UTC)),  # reminders off
        (3600, datetime(2026, 11, 25, 11, tzinfo=UTC)),  # the reminder time is now
        (4 * 86400, datetime(2026, 11, 22, 12, tzinfo=UTC)),  # the deadline is closer than the period
    ],
)
def test_no_execution_when_no_reminder_is_due(seconds: float, now: datetime) -> None:
    reminders, stubber = scheduler(seconds)
    with stubber:  # no call expected
        assert reminders.schedule("req-1", approval_expires_at=DEADLINE, now=now) is None


def test_a_retry_finding_the_execution_started_is_fine() -> None:
    reminders, stubber = scheduler(3600)
    stubber.add_client_error("start_execution", service_error_code="ExecutionAlreadyExists")
    with stubber:
        scheduled = reminders.schedule(
            "req-1", approval_expires_at=DEADLINE, now=datetime(2026, 11, 22, 12, tzinfo=UTC)
        )
    assert scheduled is not None and scheduled["execution_name"] == "req-1-reminder"


def test_the_reminder_email_says_so_and_when_the_request_expires() -> None:
    record = {**evaluated_fields(), "reminded_at": "2026-11-24T12:00:00+00:00"}
    email = approval_email(
        record, request_id="req-1", approve_link="https://a", deny_link="https://d", reminder=True
    )
    assert email.subject == "Reminder: access request for customers.profiles from account 444455556666"
    assert f"this request expires at {DEADLINE}" in email.body
    assert "Approve: https://a" in email.body and "Deny:    https://d" in email.body
    first = approval_email(record, request_id="req-1", approve_link="https://a", deny_link="https://d")
    assert first.subject.startswith("Access request for") and "Reminder" not in first.body
