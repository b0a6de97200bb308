from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from lakegate.core.errors import CatalogItemNotFound, GrantFailed, RequestStateConflict, TransientAwsError
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger, timestamp
from lakegate.workflow.access_expiry import ExpiryScheduler
from lakegate.workflow.grant_access import grant_access
from lakegate_offline import call_recorder
from tests.conftest import LEDGER_TABLE
from tests.support.ledger_records import CONSUMER, NOW, evaluated_fields

pytestmark = pytest.mark.integration


def record_request(ledger: Ledger, table: str, *, sensitive: bool, request_id: str = "r1") -> None:
    fields = evaluated_fields("sales", table, sensitive=sensitive, requester=None)
    ledger.create(request_id, fields, by="alice", reason="asked", now=NOW)


def permissions(lakeformation: Any) -> list[dict[str, Any]]:
    return [
        {key: entry[key] for key in ("Principal", "Resource", "Permissions", "PermissionsWithGrantOption")}
        for entry in lakeformation.list_permissions()["PrincipalResourcePermissions"]
    ]


def test_a_non_sensitive_table_is_granted_and_the_grant_recorded(ledger: Ledger, lakeformation: Any) -> None:
    record_request(ledger, "orders", sensitive=False)
    result = grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    expected = {
        "Principal": {"DataLakePrincipalIdentifier": CONSUMER},
        "Resource": {"Table": {"DatabaseName": "sales", "Name": "orders"}},
        "Permissions": ["SELECT", "DESCRIBE"],
        "PermissionsWithGrantOption": ["SELECT", "DESCRIBE"],
    }
    assert permissions(lakeformation) == [expected]
    record = ledger.require("r1")
    assert record["status"] == Status.GRANTED
    assert record["grants"] == result["grants"]
    assert record["history"][-1]["reason"] == f"granted SELECT, DESCRIBE on table sales.orders to {CONSUMER}"


def test_a_retry_after_success_grants_nothing_more(ledger: Ledger, lakeformation: Any) -> None:
    record_request(ledger, "orders", sensitive=False)
    first = grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    second = grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    assert first == second
    assert len(permissions(lakeformation)) == 1
    assert len(ledger.require("r1")["history"]) == 2


def test_a_sensitive_request_is_never_granted_without_approval(ledger: Ledger, lakeformation: Any) -> None:
    record_request(ledger, "orders", sensitive=True)
    with pytest.raises(RequestStateConflict, match="only an approved or a non-sensitive request is granted"):
        grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    assert permissions(lakeformation) == []


def test_a_table_dropped_while_the_owner_decided_is_reported_and_nothing_granted(ledger: Ledger) -> None:
    # Lake Formation itself refuses a grant on a missing table (moto does not, so it is stubbed).
    record_request(ledger, "orders", sensitive=False)
    lakeformation = boto3.client("lakeformation")
    stubber = Stubber(lakeformation)
    stubber.add_client_error("grant_permissions", service_error_code="EntityNotFoundException")
    with (
        stubber,
        pytest.raises(CatalogItemNotFound, match=r"table sales\.orders is no longer in the Data Catalog"),
    ):
        grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    stubber.assert_no_pending_responses()
    assert ledger.require("r1")["status"] == Status.RECEIVED


def test_a_refused_second_grant_rolls_back_the_first(ledger: Ledger) -> None:
    # GIVEN a whole-database request, whose second grant Lake Formation refuses
    record_request(ledger, "*", sensitive=False)
    lakeformation = boto3.client("lakeformation")
    stubber = Stubber(lakeformation)
    stubber.add_response(
        "grant_permissions",
        {},
        {
            "Principal": ANY,
            "Resource": {"Database": {"Name": "sales"}},
            "Permissions": ["DESCRIBE"],
            "PermissionsWithGrantOption": ANY,
        },
    )
    stubber.add_client_error(
        "grant_permissions",
        service_error_code="AccessDeniedException",
        service_message="Insufficient Lake Formation permission(s)",
    )
    stubber.add_response(
        "revoke_permissions",
        {},
        {
            "Principal": ANY,
            "Resource": {"Database": {"Name": "sales"}},
            "Permissions": ["DESCRIBE"],
            "PermissionsWithGrantOption": ANY,
        },
    )
    # WHEN it is granted THEN it fails naming the refusal, revokes the first grant and records nothing
    with (
        stubber,
        call_recorder.acting_as(
            "lakegate.handlers.grant_access.handler", {"LEDGER_TABLE_NAME": LEDGER_TABLE}
        ),
        pytest.raises(GrantFailed, match="refused SELECT, DESCRIBE on all tables of database sales"),
    ):
        grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    stubber.assert_no_pending_responses()
    assert ledger.require("r1")["status"] == Status.RECEIVED


def test_a_concurrent_modification_is_retried_by_the_workflow(ledger: Ledger) -> None:
    record_request(ledger, "orders", sensitive=False)
    lakeformation = boto3.client("lakeformation")
    stubber = Stubber(lakeformation)
    stubber.add_client_error("grant_permissions", service_error_code="ConcurrentModificationException")
    with stubber, pytest.raises(TransientAwsError):
        grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)


class RecordingStepFunctions:
    """Answers StartExecution like Step Functions: a second start of the same name is refused."""

    def __init__(self) -> None:
        self.started: list[dict[str, Any]] = []

    def start_execution(self, **arguments: Any) -> dict[str, Any]:
        if any(call["name"] == arguments["name"] for call in self.started):
            raise ClientError({"Error": {"Code": "ExecutionAlreadyExists", "Message": "x"}}, "StartExecution")
        self.started.append(arguments)
        return {"executionArn": f"arn:execution:{arguments['name']}"}


def test_a_time_bound_grant_records_its_expiry_and_schedules_one_revocation(
    ledger: Ledger, lakeformation: Any
) -> None:
    fields = evaluated_fields("sales", "orders", sensitive=False, requester=None, duration_days=2)
    ledger.create("r1", fields, by="alice", reason="asked", now=NOW)
    stepfunctions = RecordingStepFunctions()
    expiry = ExpiryScheduler("arn:expiry", stepfunctions=stepfunctions, day_seconds=86400)  # type: ignore[arg-type]

    result = grant_access(
        {"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, expiry=expiry, now=NOW
    )
    again = grant_access(
        {"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, expiry=expiry, now=NOW
    )

    expected = timestamp(NOW + timedelta(days=2))
    assert result["access_expires_at"] == again["access_expires_at"] == expected
    record = ledger.require("r1")
    assert record["access_expires_at"] == expected
    assert record["history"][-1]["reason"].endswith(f"; until {expected}")
    (started,) = stepfunctions.started
    assert (started["stateMachineArn"], started["name"]) == ("arn:expiry", "r1-expiry")
    assert json.loads(started["input"])["reason"] == "access for 2 days ended"


class RefusingStepFunctions:
    """Step Functions that refuses to start the expiry (a role without states:StartExecution)."""

    def start_execution(self, **_: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "StartExecution")


def test_a_time_bound_grant_whose_end_cannot_be_scheduled_is_never_made(
    ledger: Ledger, lakeformation: Any
) -> None:
    fields = evaluated_fields("sales", "orders", sensitive=False, requester=None, duration_days=2)
    ledger.create("r1", fields, by="alice", reason="asked", now=NOW)
    expiry = ExpiryScheduler("arn:expiry", stepfunctions=RefusingStepFunctions(), day_seconds=86400)  # type: ignore[arg-type]

    with pytest.raises(ClientError, match="AccessDeniedException"):
        grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, expiry=expiry, now=NOW)

    assert lakeformation.list_permissions()["PrincipalResourcePermissions"] == []
    assert ledger.require("r1")["status"] == Status.RECEIVED  # so the failure path may record FAILED


def test_a_retry_schedules_the_same_end_as_the_first_attempt(ledger: Ledger, lakeformation: Any) -> None:
    fields = evaluated_fields("sales", "orders", sensitive=False, requester=None, duration_days=2)
    ledger.create("r1", fields, by="alice", reason="asked", now=NOW)
    stepfunctions = RecordingStepFunctions()
    expiry = ExpiryScheduler("arn:expiry", stepfunctions=stepfunctions, day_seconds=86400)  # type: ignore[arg-type]

    first = expiry.expires_at(NOW, 2)
    grant_access(
        {"request_id": "r1"},
        ledger=ledger,
        lakeformation=lakeformation,
        expiry=expiry,
        now=NOW + timedelta(minutes=3),
    )

    (started,) = stepfunctions.started
    assert json.loads(started["input"])["expires_at"] == first.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ledger.require("r1")["access_expires_at"] == timestamp(first)
