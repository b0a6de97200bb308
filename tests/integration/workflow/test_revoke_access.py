from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lakegate.core.errors import RequestStateConflict
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.workflow.consumer_notice import ConsumerNotifier
from lakegate.workflow.grant_access import grant_access
from lakegate.workflow.grants import Grant
from lakegate.workflow.revoke_access import revoke_access
from tests.support.ledger_records import CONSUMER, NOW, evaluated_fields

pytestmark = pytest.mark.integration
ADMIN = "arn:aws:sts::123456789012:assumed-role/Admin/sam"


@pytest.fixture
def inbox(aws: None) -> tuple[ConsumerNotifier, Any, str]:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="notices")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return ConsumerNotifier(topic, sns=sns), sqs, queue


def granted(ledger: Ledger, lakeformation: Any, table: str = "orders", request_id: str = "r1") -> None:
    fields = evaluated_fields("sales", table, sensitive=False)
    ledger.create(request_id, fields, by="alice", reason="asked", now=NOW)
    grant_access({"request_id": request_id}, ledger=ledger, lakeformation=lakeformation, now=NOW)


def held(lakeformation: Any) -> list[dict[str, Any]]:
    return [entry["Resource"] for entry in lakeformation.list_permissions()["PrincipalResourcePermissions"]]


def test_revoking_removes_exactly_the_recorded_grants_and_records_who_and_why(
    ledger: Ledger, lakeformation: Any, inbox: tuple[ConsumerNotifier, Any, str]
) -> None:
    # GIVEN two granted requests for the same consumer
    notifier, sqs, queue = inbox
    granted(ledger, lakeformation, "orders", "r1")
    granted(ledger, lakeformation, "products", "r2")

    # WHEN an administrator revokes one of them
    result = revoke_access(
        "r1",
        ledger=ledger,
        lakeformation=lakeformation,
        notifier=notifier,
        by=ADMIN,
        reason="project ended",
        now=NOW,
    )

    # THEN only its grant is gone, the ledger says who and why, and the consumer is told
    assert result["revoked_now"] is True
    assert held(lakeformation) == [{"Table": {"DatabaseName": "sales", "Name": "products"}}]
    record = ledger.require("r1")
    assert (record["status"], record["revoked_by"], record["revocation_reason"]) == (
        "REVOKED",
        ADMIN,
        "project ended",
    )
    assert record["history"][-1] == {"status": "REVOKED", "at": "2026-11-22T12:00:00+00:00", "by": ADMIN,
                                     "reason": "project ended"}  # fmt: skip
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["MessageAttributes"]["status"]["Value"] == "REVOKED"
    assert envelope["MessageAttributes"]["consumer_account"]["Value"] == CONSUMER


def test_revoking_twice_is_harmless_and_says_so(
    ledger: Ledger, lakeformation: Any, inbox: tuple[ConsumerNotifier, Any, str]
) -> None:
    notifier, _, _ = inbox
    granted(ledger, lakeformation)
    revoke_access(
        "r1", ledger=ledger, lakeformation=lakeformation, notifier=notifier, by=ADMIN, reason="x", now=NOW
    )
    again = revoke_access(
        "r1",
        ledger=ledger,
        lakeformation=lakeformation,
        notifier=notifier,
        by="someone else",
        reason="y",
        now=NOW,
    )
    assert (again["revoked_now"], again["revoked_by"], again["reason"]) == (False, ADMIN, "x")
    assert len(ledger.require("r1")["history"]) == 3  # RECEIVED, GRANTED, REVOKED: nothing added


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.DENIED])
def test_only_a_granted_request_can_be_revoked(
    ledger: Ledger, lakeformation: Any, inbox: tuple[ConsumerNotifier, Any, str], status: Status
) -> None:
    notifier, _, _ = inbox
    ledger.create("r1", evaluated_fields(), by="alice", reason="asked", now=NOW)
    if status == Status.DENIED:
        ledger.transition("r1", to=Status.PENDING_APPROVAL, by="lakegate", reason="asked owner", now=NOW)
        ledger.transition("r1", to=Status.DENIED, by="pat", reason="no", now=NOW)
    with pytest.raises(
        RequestStateConflict, match=f"is {status.value}; only a granted request can be revoked"
    ):
        revoke_access(
            "r1", ledger=ledger, lakeformation=lakeformation, notifier=notifier, by=ADMIN, reason="x"
        )


def test_a_grant_already_gone_does_not_stop_the_revocation(
    ledger: Ledger, lakeformation: Any, inbox: tuple[ConsumerNotifier, Any, str]
) -> None:
    notifier, _, _ = inbox
    granted(ledger, lakeformation)
    stubbed = boto3.client("lakeformation")
    stubber = Stubber(stubbed)
    stubber.add_client_error("revoke_permissions", service_error_code="EntityNotFoundException")
    with stubber:
        result = revoke_access(
            "r1", ledger=ledger, lakeformation=stubbed, notifier=notifier, by=ADMIN, reason="x"
        )
    stubber.assert_no_pending_responses()
    assert result["status"] == "REVOKED"


def test_a_revocation_says_what_it_removed_and_what_was_no_longer_held(
    ledger: Ledger, lakeformation: Any, inbox: tuple[ConsumerNotifier, Any, str]
) -> None:
    notifier, _, _ = inbox
    granted(ledger, lakeformation, "orders", "r1")
    (grant,) = [Grant.from_dict(data) for data in ledger.require("r1")["grants"]]
    # Lake Formation answers a revocation of a permission nobody holds (removed by hand) with
    # InvalidInputException; moto accepts it silently, so the answer is stubbed as AWS gives it.
    stubbed = boto3.client("lakeformation")
    with Stubber(stubbed) as stubber:
        stubber.add_client_error(
            "revoke_permissions",
            service_error_code="InvalidInputException",
            service_message="Grantee has no permissions and no grantable permissions on resource",
            expected_params=grant.api_arguments(),
        )
        result = revoke_access(
            "r1", ledger=ledger, lakeformation=stubbed, notifier=notifier, by=ADMIN, reason="x", now=NOW
        )

    assert (result["removed"], result["not_held"]) == ([], [grant.describe()])
    assert ledger.require("r1")["status"] == "REVOKED"


def test_a_revocation_lists_what_it_removed(
    ledger: Ledger, lakeformation: Any, inbox: tuple[ConsumerNotifier, Any, str]
) -> None:
    notifier, _, _ = inbox
    granted(ledger, lakeformation, "orders", "r1")
    (grant,) = [Grant.from_dict(data) for data in ledger.require("r1")["grants"]]

    result = revoke_access(
        "r1", ledger=ledger, lakeformation=lakeformation, notifier=notifier, by=ADMIN, reason="x", now=NOW
    )

    assert (result["removed"], result["not_held"]) == ([grant.describe()], [])
