from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lakegate.core.errors import RequestStateConflict
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger, StatusConflict

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FIELDS = {"request": {"database": "sales", "table": "orders"}, "consumer_account": "444455556666"}


def test_a_new_request_is_received_with_who_when_and_why(ledger: Ledger) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="requested sales.orders", now=NOW)
    record = ledger.require("r1")
    assert record["status"] == "RECEIVED"
    assert record["history"] == [
        {
            "status": "RECEIVED",
            "at": "2026-11-22T12:00:00+00:00",
            "by": "alice",
            "reason": "requested sales.orders",
        }
    ]


def test_recording_the_same_request_again_is_harmless_but_reusing_its_id_is_refused(ledger: Ledger) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="first", now=NOW)
    ledger.create("r1", FIELDS, by="alice", reason="retry", now=NOW)
    assert len(ledger.require("r1")["history"]) == 1
    with pytest.raises(RequestStateConflict, match="already used"):
        ledger.create("r1", {**FIELDS, "request": {"database": "hr"}}, by="bob", reason="other", now=NOW)


def test_a_request_is_decided_only_once(ledger: Ledger) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    ledger.transition(
        "r1",
        to=Status.PENDING_APPROVAL,
        by="lakegate",
        reason="asked owner",
        now=NOW,
    )
    ledger.transition("r1", to=Status.DENIED, by="pat", reason="no", now=NOW)
    with pytest.raises(StatusConflict) as conflict:
        ledger.transition("r1", to=Status.APPROVED, by="eve", reason="yes", now=NOW)
    assert conflict.value.current is not None and conflict.value.current["status"] == "DENIED"
    assert [entry["status"] for entry in ledger.require("r1")["history"]] == [
        "RECEIVED",
        "PENDING_APPROVAL",
        "DENIED",
    ]


def test_a_failure_is_recorded_even_for_a_request_that_never_got_recorded(
    ledger: Ledger, dynamodb: Any
) -> None:
    record = ledger.record_failure("r9", error="InvalidRequest", cause="source: is required", now=NOW)
    assert record["status"] == "FAILED"
    assert record["cause"] == "source: is required"
    again = ledger.record_failure("r9", error="InvalidRequest", cause="source: is required", now=NOW)
    assert len(again["history"]) == 1


def test_scanning_filters_on_attributes_and_returns_only_the_fields_asked_for(ledger: Ledger) -> None:
    for request_id, consumer in (("r1", "111111111111"), ("r2", "222222222222"), ("r3", "111111111111")):
        ledger.create(
            request_id, {**FIELDS, "consumer_account": consumer}, by="alice", reason="asked", now=NOW
        )
    ledger.transition("r3", to=Status.PENDING_APPROVAL, by="lakegate", reason="asked owner", now=NOW)
    ledger.transition("r3", to=Status.DENIED, by="pat", reason="no", now=NOW)

    received = list(ledger.scan(equal_to={"consumer_account": "111111111111", "status": "RECEIVED"}))
    everything = list(ledger.scan(fields=("request_id", "status")))

    assert [record["request_id"] for record in received] == ["r1"]
    assert received[0]["history"][0]["by"] == "alice"
    assert sorted(everything, key=lambda record: record["request_id"]) == [
        {"request_id": "r1", "status": "RECEIVED"},
        {"request_id": "r2", "status": "RECEIVED"},
        {"request_id": "r3", "status": "DENIED"},
    ]


def test_scanning_for_a_field_the_record_does_not_have_is_refused_by_name(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="fields: decided_bye are not ledger record fields"):
        list(ledger.scan(fields=("request_id", "decided_bye")))
