"""The ledger puts one status event per real change on the bus (moto), none for writes that change nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from lakegate.core.errors import TransientAwsError
from lakegate.ledger.status import Status
from lakegate.ledger.status_events import StatusEventPublisher
from lakegate.ledger.store import UNPUBLISHED_EVENTS, Ledger, StatusConflict
from lakegate_offline.mesh import REGION, create_ledger_table, receive_events, route_status_events_to_queue
from tests.conftest import LEDGER_TABLE
from tests.support.status_event_schema import assert_conforms

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BUS = "lakegate"
FIELDS = {
    "request": {
        "database": "sales",
        "table": "orders",
        "columns": [],
        "consumer_account": "444455556666",
        "principal": None,
        "permissions": ["SELECT"],
    },
    "item": "sales.orders",
    "database": "sales",
    "consumer_account": "444455556666",
    "requester": "alice",
    "data_owner": "222222222222",
}
THROTTLED = {
    "FailedEntryCount": 1,
    "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}],
}


@dataclass
class Bus:
    """The bus with a rule delivering everything lakegate puts on it to a queue, as the mesh has it."""

    publisher: StatusEventPublisher
    sqs: Any
    queue_url: str

    def heard(self) -> list[dict[str, Any]]:
        """The events delivered since the last call, each checked against the schema."""
        events = receive_events(self.sqs, self.queue_url)
        for event in events:
            assert_conforms(event)
        return events

    def heard_types(self) -> list[str]:
        return [event["detail-type"] for event in self.heard()]


@pytest.fixture
def bus(aws: None) -> Bus:
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events.create_event_bus(Name=BUS)
    queue_url = route_status_events_to_queue(events, sqs, bus_name=BUS, queue_name="heard")
    return Bus(StatusEventPublisher(BUS, events=events), sqs, queue_url)


@pytest.fixture
def table(dynamodb: Any) -> str:
    create_ledger_table(dynamodb, LEDGER_TABLE)
    return LEDGER_TABLE


@pytest.fixture
def ledger(dynamodb: Any, table: str, bus: Bus) -> Ledger:
    """The ledger as the functions have it: publishing every change on the bus."""
    return Ledger(table, dynamodb=dynamodb, events=bus.publisher)


@contextmanager
def failing_bus(dynamodb: Any, *responses: dict[str, Any] | str, defer: bool = False) -> Iterator[Ledger]:
    """A ledger whose EventBridge answers ``responses`` in turn: a PutEvents response, or an error code."""
    events = boto3.client("events", region_name=REGION)
    stubber = Stubber(events)
    for response in responses:
        if isinstance(response, str):
            stubber.add_client_error("put_events", service_error_code=response, http_status_code=400)
        else:
            stubber.add_response("put_events", response, {"Entries": ANY})
    with stubber:
        yield Ledger(
            LEDGER_TABLE,
            dynamodb=dynamodb,
            events=StatusEventPublisher(BUS, events=events),
            defer_failed_events=defer,
        )
    stubber.assert_no_pending_responses()


def ask_owner(ledger: Ledger, request_id: str = "r1", **extra: Any) -> dict[str, Any]:
    return ledger.transition(
        request_id,
        to=Status.PENDING_APPROVAL,
        by="lakegate",
        reason="asked the owner",
        now=NOW,
        **extra,
    )


def approve(ledger: Ledger, request_id: str = "r1") -> dict[str, Any]:
    """The decision API's claim: returns the record as it was, to resume with its task token."""
    return ledger.transition(
        request_id,
        to=Status.APPROVED,
        by="Pat (email link)",
        reason="fine for Q4",
        now=NOW,
        set_fields={"decided_by": "Pat (email link)"},
        remove_fields=("task_token",),
        return_old=True,
    )


def test_each_real_change_is_put_once_and_writes_that_change_nothing_put_nothing(
    ledger: Ledger, bus: Bus
) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="requested sales.orders", now=NOW)
    ledger.create("r1", FIELDS, by="alice", reason="the step again", now=NOW)
    assert bus.heard_types() == ["Access Request Created"]

    ask_owner(ledger)
    ask_owner(ledger)  # the step retried: same status, new secret, no news
    assert bus.heard_types() == ["Access Request Pending Approval"]

    ledger.transition("r1", to=Status.DENIED, by="Pat", reason="no", now=NOW)
    with pytest.raises(StatusConflict):
        approve(ledger)
    (denied,) = bus.heard()
    assert denied["detail-type"] == "Access Request Denied"
    assert denied["detail"]["previous_status"] == "PENDING_APPROVAL"
    assert (denied["detail"]["by"], denied["detail"]["reason"]) == ("Pat", "no")
    assert denied["detail"]["sequence"] == 3  # the retried step's entry is 2
    assert bus.heard() == []


def test_a_claim_that_returns_the_old_record_is_announced_as_the_new_status_without_the_token(
    ledger: Ledger, bus: Bus
) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    ask_owner(ledger, set_fields={"task_token": "the-task-token", "secret_hash": "the-hash"})
    bus.heard()

    before = approve(ledger)

    assert before["task_token"] == "the-task-token"
    (approved,) = bus.heard()
    assert approved["detail-type"] == "Access Request Approved"
    assert approved["detail"]["status"] == "APPROVED"
    assert approved["detail"]["previous_status"] == "PENDING_APPROVAL"
    assert approved["detail"]["by"] == "Pat (email link)"
    assert "the-task-token" not in json.dumps(approved) and "the-hash" not in json.dumps(approved)


def test_a_failure_is_put_once_with_the_status_it_ended(ledger: Ledger, bus: Bus) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    ledger.record_failure("r1", error="GrantFailed", cause="refused", now=NOW)
    ledger.record_failure("r1", error="GrantFailed", cause="refused", now=NOW)
    ledger.record_failure("r2", error="InvalidRequest", cause="source: is required", now=NOW)

    created, failed, never_recorded = bus.heard()

    assert created["detail-type"] == "Access Request Created"
    assert failed["detail-type"] == "Access Request Failed"
    assert failed["detail"]["previous_status"] == "RECEIVED"
    assert (failed["detail"]["error"], failed["detail"]["cause"]) == ("GrantFailed", "refused")
    assert never_recorded["detail"]["request_id"] == "r2"
    assert never_recorded["detail"]["previous_status"] is None
    assert never_recorded["detail"]["item"] is None


def test_a_ledger_without_a_publisher_puts_nothing(dynamodb: Any, table: str, bus: Bus) -> None:
    quiet = Ledger(table, dynamodb=dynamodb)
    quiet.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    ask_owner(quiet)
    assert bus.heard() == []


def test_the_entry_is_lakegates_source_the_detail_type_of_the_status_and_the_change_time() -> None:
    events = boto3.client("events", region_name=REGION)
    publisher = StatusEventPublisher(BUS, events=events)
    detail = {"request_id": "r1", "status": "GRANTED", "at": "2026-11-22T12:00:00+00:00", "grants": []}
    with Stubber(events) as stubber:
        stubber.add_response(
            "put_events",
            {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]},
            {
                "Entries": [
                    {
                        "Source": "lakegate",
                        "DetailType": "Access Request Granted",
                        "Detail": json.dumps(detail, sort_keys=True),
                        "Resources": [],
                        "Time": NOW,
                        "EventBusName": BUS,
                    }
                ]
            },
        )
        assert publisher.publish(detail) == "e-1"
        stubber.assert_no_pending_responses()


def test_an_event_eventbridge_refuses_raises_transient_and_the_retried_step_puts_it_once(
    dynamodb: Any, table: str, ledger: Ledger, bus: Bus
) -> None:
    # GIVEN EventBridge refuses the entry after the request was recorded
    with (
        failing_bus(dynamodb, THROTTLED) as refused,
        pytest.raises(TransientAwsError, match="ThrottlingException"),
    ):
        refused.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    raw = Ledger(table, dynamodb=dynamodb).require("r1")
    assert raw["status"] == "RECEIVED" and len(raw[UNPUBLISHED_EVENTS]) == 1
    assert bus.heard() == []

    # WHEN the workflow retries the step, which records the same request again
    ledger.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    ledger.create("r1", FIELDS, by="alice", reason="asked", now=NOW)

    # THEN the change is put exactly once, and nothing is left unpublished
    assert bus.heard_types() == ["Access Request Created"]
    assert UNPUBLISHED_EVENTS not in Ledger(table, dynamodb=dynamodb).require("r1")


@pytest.mark.parametrize(
    ("code", "raised"), [("ThrottlingException", TransientAwsError), ("AccessDenied", ClientError)]
)
def test_a_failed_put_events_call_is_retried_only_when_it_is_transient_and_is_kept_either_way(
    dynamodb: Any, ledger: Ledger, bus: Bus, code: str, raised: type[Exception]
) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    bus.heard()
    with failing_bus(dynamodb, code) as failing, pytest.raises(raised):
        ask_owner(failing)

    ledger.require("r1")

    assert bus.heard_types() == ["Access Request Pending Approval"]


def test_a_deferred_event_does_not_fail_the_decision_and_goes_out_in_order_with_the_next_change(
    dynamodb: Any, ledger: Ledger, bus: Bus
) -> None:
    ledger.create("r1", FIELDS, by="alice", reason="asked", now=NOW)
    ask_owner(ledger, set_fields={"task_token": "token"})
    bus.heard()

    with failing_bus(dynamodb, THROTTLED, defer=True) as decision_api:
        before = approve(decision_api)
    assert before["task_token"] == "token"  # the decision can still resume the workflow

    ledger.transition("r1", to=Status.GRANTED, by="lakegate", reason="granted", now=NOW)

    assert bus.heard_types() == ["Access Request Approved", "Access Request Granted"]
    assert UNPUBLISHED_EVENTS not in ledger.require("r1")
