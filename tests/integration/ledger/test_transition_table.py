"""The ledger enforces the transition table on DynamoDB's side: every pair of statuses, tried."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from lakegate.ledger.status import TRANSITIONS, Status, TransitionNotAllowed, sources_of
from lakegate.ledger.store import Ledger, StatusConflict
from tests.conftest import LEDGER_TABLE

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PAIRS = list(itertools.product(Status, Status))


def put_at(dynamodb: Any, request_id: str, status: Status) -> None:
    """A record left at ``status`` by earlier steps (put directly: reaching each one is not the point)."""
    history = {
        "M": {key: {"S": value} for key, value in (("status", status.value), ("at", "t"), ("by", "x"))}
    }
    dynamodb.put_item(
        TableName=LEDGER_TABLE,
        Item={
            "request_id": {"S": request_id},
            "status": {"S": status.value},
            "history": {"L": [history]},
            "request": {"M": {"database": {"S": "sales"}}},
        },
    )


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_a_status_change_applies_exactly_when_the_table_allows_it(
    ledger: Ledger, dynamodb: Any, current: Status, target: Status
) -> None:
    put_at(dynamodb, "r1", current)
    allowed = target in TRANSITIONS[current]

    if not sources_of(target):
        with pytest.raises(TransitionNotAllowed, match=f"no status becomes {target.value}"):
            ledger.transition("r1", to=target, by="lakegate", reason="step", now=NOW)
    elif allowed:
        changed = ledger.transition("r1", to=target, by="lakegate", reason="step", now=NOW)
        assert changed["status"] == target.value
    else:
        with pytest.raises(StatusConflict) as conflict:
            ledger.transition("r1", to=target, by="lakegate", reason="step", now=NOW)
        assert conflict.value.current is not None
        assert conflict.value.current["status"] == current.value
    if not allowed:
        assert len(ledger.require("r1")["history"]) == 1  # nothing written


@pytest.mark.parametrize("current", list(Status))
def test_recording_a_failure_follows_the_table_too(ledger: Ledger, dynamodb: Any, current: Status) -> None:
    put_at(dynamodb, "r1", current)

    record = ledger.record_failure("r1", error="States.Timeout", cause="step timed out", now=NOW)

    if current in sources_of(Status.FAILED):
        assert (record["status"], len(record["history"])) == (Status.FAILED.value, 2)
    else:  # failed already, or holds (held) grants: nothing is written
        assert (record["status"], len(record["history"])) == (current.value, 1)


def test_narrowing_to_a_status_outside_the_table_is_refused_before_any_write(
    ledger: Ledger, dynamodb: Any
) -> None:
    put_at(dynamodb, "r1", Status.DENIED)

    with pytest.raises(TransitionNotAllowed, match="DENIED cannot become GRANTED"):
        ledger.transition("r1", to=Status.GRANTED, only_from=Status.DENIED, by="x", reason="y", now=NOW)

    assert ledger.require("r1")["status"] == Status.DENIED.value


def test_narrowing_to_one_allowed_status_refuses_the_others(ledger: Ledger, dynamodb: Any) -> None:
    put_at(dynamodb, "r1", Status.DENIED)

    with pytest.raises(StatusConflict):
        ledger.transition("r1", to=Status.EXPIRED, only_from=Status.APPROVED, by="x", reason="y", now=NOW)

    assert ledger.require("r1")["status"] == Status.DENIED.value
