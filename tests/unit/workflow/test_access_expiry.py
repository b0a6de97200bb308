"""Time-bound access: the expiry time, the expiry execution's name and input, and the email's wording."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakegate.approvals.email_message import access_period
from lakegate.workflow.access_expiry import (
    MAX_EXECUTION_NAME_LENGTH,
    ExpiryScheduler,
    access_expires_at,
    expiry_execution_name,
    expiry_reason,
    wait_timestamp,
)
from lakegate_cli.status import describe

GRANTED = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)


def test_access_ends_duration_days_times_the_length_of_a_day_after_the_grant() -> None:
    assert access_expires_at(GRANTED, 30) == GRANTED + timedelta(days=30)
    assert access_expires_at(GRANTED, 2, day_seconds=1) == GRANTED + timedelta(seconds=2)


def test_the_expiry_is_rounded_up_to_a_whole_second_so_access_never_ends_early() -> None:
    granted = GRANTED + timedelta(microseconds=250_000)
    assert access_expires_at(granted, 2, day_seconds=1) == GRANTED + timedelta(seconds=3)


def test_the_expiry_is_in_utc_and_the_wait_state_reads_it_with_a_z() -> None:
    local = GRANTED.astimezone(timezone(timedelta(hours=2)))
    expires = access_expires_at(local, 1)
    assert expires.tzinfo == UTC
    assert wait_timestamp(expires) == "2026-11-23T10:00:00Z"


@pytest.mark.parametrize(("days", "day_seconds"), [(0, 86400), (1, 0)])
def test_nonsense_durations_are_refused(days: int, day_seconds: int) -> None:
    with pytest.raises(ValueError):
        access_expires_at(GRANTED, days, day_seconds=day_seconds)


def test_the_reason_says_how_long_access_lasted() -> None:
    assert expiry_reason(2) == "access for 2 days ended"
    assert expiry_reason(1) == "access for 1 day ended"


def test_the_expiry_execution_is_named_after_the_request_within_80_characters() -> None:
    assert expiry_execution_name("sales-orders-abc") == "sales-orders-abc-expiry"
    first, second = expiry_execution_name("a" * 79 + "1"), expiry_execution_name("a" * 79 + "2")
    assert len(first) == len(second) == MAX_EXECUTION_NAME_LENGTH
    assert first.endswith("-expiry") and first != second


class FakeStepFunctions:
    def __init__(self, error: str | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error

    def start_execution(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "StartExecution")
        return {"executionArn": f"arn:execution:{arguments['name']}"}


def test_scheduling_starts_one_execution_with_the_request_expiry_and_reason() -> None:
    stepfunctions = FakeStepFunctions()
    scheduler = ExpiryScheduler("arn:expiry", stepfunctions=stepfunctions, day_seconds=1)  # type: ignore[arg-type]

    scheduled = scheduler.schedule("req-1", expires_at=scheduler.expires_at(GRANTED, 2), duration_days=2)

    (call,) = stepfunctions.calls
    assert (call["stateMachineArn"], call["name"]) == ("arn:expiry", "req-1-expiry")
    assert json.loads(call["input"]) == {
        "request_id": "req-1",
        "expires_at": "2026-11-22T10:00:02Z",
        "reason": "access for 2 days ended",
    }
    assert scheduled["execution_arn"] == "arn:execution:req-1-expiry"


def test_an_expiry_already_scheduled_by_an_earlier_attempt_is_fine() -> None:
    stepfunctions = FakeStepFunctions("ExecutionAlreadyExists")
    scheduler = ExpiryScheduler("arn:expiry", stepfunctions=stepfunctions)  # type: ignore[arg-type]
    assert (
        scheduler.schedule("req-1", expires_at=GRANTED, duration_days=1)["execution_name"] == "req-1-expiry"
    )


def test_a_refused_expiry_execution_is_raised() -> None:
    scheduler = ExpiryScheduler("arn:expiry", stepfunctions=FakeStepFunctions("StateMachineDoesNotExist"))  # type: ignore[arg-type]
    with pytest.raises(ClientError):
        scheduler.schedule("req-1", expires_at=GRANTED, duration_days=1)


def test_the_email_shows_how_long_access_lasts_and_until_when_if_approved_now() -> None:
    assert access_period(None, now=GRANTED) == "until revoked"
    assert access_period(30, now=GRANTED) == (
        "30 days after it is granted (until about 2026-12-22T10:00:00+00:00 if approved now), "
        "then revoked automatically"
    )
    assert "until about 2026-11-22T10:00:01+00:00" in access_period(1, now=GRANTED, day_seconds=1)


def test_lakegate_status_shows_when_a_time_bound_grant_ends() -> None:
    record = {"request_id": "r1", "status": "GRANTED", "access_expires_at": "2026-12-22T10:00:00+00:00"}
    assert "Access until   2026-12-22T10:00:00+00:00" in describe(record)
    assert "Access until" not in describe({"request_id": "r2", "status": "GRANTED"})
