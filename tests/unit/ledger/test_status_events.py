"""The status event's detail: built from the ledger record, exactly what the schema in schemas/ documents."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lakegate.core import manifest
from lakegate.ledger.status import Status
from lakegate.ledger.status_events import DETAIL_TYPES, SOURCE, status_change_detail
from lakegate.requests.model import AccessRequest
from lakegate.workflow.grants import plan_grants
from tests.support.ledger_records import CONSUMER, PRODUCER, evaluated_fields
from tests.support.status_event_schema import schema, schema_errors

ROLE = f"arn:aws:iam::{CONSUMER}:role/ChurnStudy"


def entry(
    status: str, at: str = "2026-11-22T12:00:00+00:00", by: str = "lakegate", reason: str = ""
) -> dict[str, str]:
    return {"status": status, "at": at, "by": by, "reason": reason or f"became {status}"}


def recorded(*statuses: str, **changes: Any) -> dict[str, Any]:
    """A record as the ledger holds it after ``statuses`` (the last is the current one)."""
    fields = evaluated_fields("customers", "profiles", columns=("id", "email"), principal=ROLE)
    return {
        **fields,
        "request_id": "req-1",
        "item": "customers.profiles (columns id, email)",
        "database": "customers",
        "requester": "alice",
        "status": statuses[-1],
        "history": [entry(status) for status in statuses],
        **changes,
    }


def grants_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [grant.to_dict() for grant in plan_grants(AccessRequest.from_dict(record["request"]))]


def test_every_status_has_a_detail_type_and_the_schema_documents_the_same_ones() -> None:
    documented = schema()
    assert set(DETAIL_TYPES) == {status.value for status in Status}
    assert documented["x-lakegate-detail-types"] == dict(DETAIL_TYPES)
    assert documented["x-lakegate-source"] == SOURCE
    assert set(documented["$defs"]["status"]["enum"]) == set(DETAIL_TYPES)


@pytest.mark.parametrize("spec", manifest.FUNCTIONS, ids=lambda spec: spec.key)
def test_every_function_given_the_ledger_is_given_the_bus_so_its_changes_are_announced(
    spec: manifest.FunctionSpec,
) -> None:
    if manifest.LEDGER_TABLE_NAME in spec.environment:
        assert manifest.EVENT_BUS_NAME in spec.environment


def test_a_created_request_says_what_for_whom_who_asked_and_why() -> None:
    record = recorded("RECEIVED")
    record["history"] = [entry("RECEIVED", by="alice", reason="requested customers.profiles; sensitive")]

    detail = status_change_detail(record, None)

    assert detail == {
        "request_id": "req-1",
        "sequence": 0,
        "status": "RECEIVED",
        "previous_status": None,
        "item": "customers.profiles (columns id, email)",
        "database": "customers",
        "table": "profiles",
        "columns": ["id", "email"],
        "consumer_account": CONSUMER,
        "principal": ROLE,
        "person": None,
        "data_owner": PRODUCER,
        "requester": "alice",
        "at": "2026-11-22T12:00:00+00:00",
        "by": "alice",
        "reason": "requested customers.profiles; sensitive",
    }
    assert schema_errors(detail) == []


def test_a_request_for_a_persons_own_role_names_the_person() -> None:
    role = f"arn:aws:iam::{CONSUMER}:role/lakegate-user-jdoe"
    fields = evaluated_fields("customers", "profiles", columns=("id",), principal=role, person="jdoe")

    detail = status_change_detail(recorded("RECEIVED", **fields), None)

    assert (detail["principal"], detail["person"]) == (role, "jdoe")
    assert schema_errors(detail) == []


def test_an_event_put_before_people_were_recorded_still_conforms() -> None:
    # Events EventBridge refused stay on the record as JSON and are put later, unchanged.
    detail = status_change_detail(recorded("RECEIVED"), None)
    del detail["person"]

    assert schema_errors(detail) == []


def test_a_whole_database_request_has_table_star_and_no_columns() -> None:
    record = recorded("RECEIVED", request={**evaluated_fields("customers", "*")["request"]})

    detail = status_change_detail(record, None)

    assert (detail["table"], detail["columns"]) == ("*", [])
    assert schema_errors(detail) == []


@pytest.mark.parametrize(
    ("statuses", "previous"),
    [
        (("RECEIVED", "PENDING_APPROVAL"), "RECEIVED"),
        (("RECEIVED", "PENDING_APPROVAL", "APPROVED"), "PENDING_APPROVAL"),
        (("RECEIVED", "PENDING_APPROVAL", "DENIED"), "PENDING_APPROVAL"),
        (("RECEIVED", "PENDING_APPROVAL", "EXPIRED"), "PENDING_APPROVAL"),
    ],
)
def test_a_change_without_grants_or_failure_carries_neither(statuses: tuple[str, ...], previous: str) -> None:
    detail = status_change_detail(recorded(*statuses), previous)

    assert (detail["status"], detail["previous_status"], detail["sequence"]) == (
        statuses[-1],
        previous,
        len(statuses) - 1,
    )
    assert not {"grants", "error", "cause"} & set(detail)
    assert schema_errors(detail) == []


@pytest.mark.parametrize(
    "statuses",
    [("RECEIVED", "GRANTED"), ("RECEIVED", "PENDING_APPROVAL", "APPROVED", "GRANTED", "REVOKED")],
)
def test_granted_and_revoked_carry_the_grants(statuses: tuple[str, ...]) -> None:
    record = recorded(*statuses)
    record["grants"] = grants_of(record)

    detail = status_change_detail(record, statuses[-2])

    assert detail["grants"] == [
        {
            "principal": ROLE,
            "resource": {
                "TableWithColumns": {
                    "DatabaseName": "customers",
                    "Name": "profiles",
                    "ColumnNames": ["id", "email"],
                }
            },
            "permissions": ["SELECT"],
            "grantable": [],
        }
    ]
    assert schema_errors(detail) == []


def test_a_request_that_failed_before_it_was_recorded_has_its_error_and_nothing_else_known() -> None:
    record = {
        "request_id": "req-9",
        "status": "FAILED",
        "error": "InvalidRequest",
        "cause": "target.account_id: is required",
        "history": [entry("FAILED", reason="InvalidRequest: target.account_id: is required")],
    }

    detail = status_change_detail(record, None)

    assert detail["error"] == "InvalidRequest"
    assert detail["cause"] == "target.account_id: is required"
    assert detail["previous_status"] is None
    for unknown in ("item", "database", "table", "columns", "consumer_account", "principal", "data_owner"):
        assert detail[unknown] is None
    assert schema_errors(detail) == []


def test_a_failure_after_the_request_was_recorded_keeps_what_was_asked() -> None:
    record = recorded(
        "RECEIVED", "PENDING_APPROVAL", "FAILED", error="ApprovalRequestFailed", cause="no topic"
    )

    detail = status_change_detail(record, "PENDING_APPROVAL")

    assert (detail["item"], detail["error"], detail["cause"]) == (
        "customers.profiles (columns id, email)",
        "ApprovalRequestFailed",
        "no topic",
    )
    assert schema_errors(detail) == []


def test_the_link_secret_and_the_task_token_never_leave_the_ledger() -> None:
    record = recorded(
        "RECEIVED",
        "PENDING_APPROVAL",
        secret_hash="hash-of-the-link-secret",
        task_token="the-task-token",
        approval_topic=f"arn:aws:sns:us-east-1:{PRODUCER}:DataLakeSharingApproval",
    )

    text = json.dumps(status_change_detail(record, "RECEIVED"))

    assert "hash-of-the-link-secret" not in text
    assert "the-task-token" not in text


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"status": "GRANTED", "previous_status": "RECEIVED"}, "'grants' is a required property"),
        ({"status": "SHARED"}, "is not one of"),
        ({"task_token": "t"}, "Additional properties are not allowed"),
        ({"consumer_account": "4444"}, "consumer_account: '4444' is not valid"),
        ({"at": "yesterday"}, "is not a 'date-time'"),
        ({"error": "Oops"}, "should not be valid under"),
    ],
)
def test_the_schema_refuses_what_lakegate_never_sends(change: dict[str, Any], complaint: str) -> None:
    detail = {**status_change_detail(recorded("RECEIVED"), None), **change}

    errors = schema_errors(detail)

    assert errors
    assert any(complaint in error for error in errors), errors
