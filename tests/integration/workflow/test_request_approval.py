from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lakegate.approvals.links import hash_secret
from lakegate.core.errors import ApprovalRequestFailed
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.workflow.request_approval import ApprovalSettings, request_approval
from tests.support.ledger_records import NOW, PRODUCER, evaluated_fields

pytestmark = pytest.mark.integration
SETTINGS = ApprovalSettings(
    decision_base_url="https://decide.example",
    producer_role_name="ProducerWorkflowRole",
    producer_topic_name="DataLakeSharingApproval",
    region="us-east-1",
)


def producer_client(service: str) -> Any:
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{PRODUCER}:role/admin", RoleSessionName="setup"
    )["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture
def pending(ledger: Ledger) -> Ledger:
    ledger.create("req-1", evaluated_fields(permissions=["SELECT"]), by="alice", reason="asked", now=NOW)
    return ledger


def test_the_email_lands_on_the_owners_topic_and_only_the_secret_hash_is_kept(pending: Ledger) -> None:
    # GIVEN the producer account's approval topic, read through a queue in that account
    sns, sqs = producer_client("sns"), producer_client("sqs")
    topic = sns.create_topic(Name="DataLakeSharingApproval")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    # WHEN the owner is asked
    result = request_approval(
        {"request_id": "req-1", "task_token": "token-1"},
        ledger=pending,
        sts=boto3.client("sts"),
        settings=SETTINGS,
        now=NOW,
        make_secret=lambda: "s3cret",
    )

    # THEN the producer account got the email with both links, and the ledger keeps no secret
    assert result["approval_topic"] == f"arn:aws:sns:us-east-1:{PRODUCER}:DataLakeSharingApproval"
    (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Subject"] == "Access request for customers.profiles from account 444455556666"
    assert (
        "Approve: https://decide.example/requests/req-1?action=approve&secret=s3cret" in envelope["Message"]
    )
    assert "Deny:    https://decide.example/requests/req-1?action=deny&secret=s3cret" in envelope["Message"]
    record = pending.require("req-1")
    assert record["status"] == Status.PENDING_APPROVAL
    assert record["secret_hashes"] == [hash_secret("s3cret")]
    assert record["task_token"] == "token-1"
    assert "s3cret" not in json.dumps(record)


def test_a_producer_role_that_cannot_be_assumed_is_reported_with_what_to_check(pending: Ledger) -> None:
    sts = boto3.client("sts")
    stubber = Stubber(sts)
    stubber.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)
    with (
        stubber,
        pytest.raises(
            ApprovalRequestFailed,
            match="could not assume the producer role "
            "arn:aws:iam::222222222222:role/ProducerWorkflowRole: AccessDenied",
        ),
    ):
        request_approval(
            {"request_id": "req-1", "task_token": "t"}, ledger=pending, sts=sts, settings=SETTINGS, now=NOW
        )
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("region", "role", "topic"),
    [
        ("eu-west-1", "arn:aws:iam::222222222222:role/R", "arn:aws:sns:eu-west-1:222222222222:T"),
        ("cn-north-1", "arn:aws-cn:iam::222222222222:role/R", "arn:aws-cn:sns:cn-north-1:222222222222:T"),
        (
            "us-gov-west-1",
            "arn:aws-us-gov:iam::222222222222:role/R",
            "arn:aws-us-gov:sns:us-gov-west-1:222222222222:T",
        ),
    ],
)
def test_producer_arns_follow_the_regions_partition(region: str, role: str, topic: str) -> None:
    settings = ApprovalSettings(
        decision_base_url="u", producer_role_name="R", producer_topic_name="T", region=region
    )
    assert (settings.role_arn(PRODUCER), settings.topic_arn(PRODUCER)) == (role, topic)


def test_a_missing_approval_topic_is_reported(pending: Ledger) -> None:
    with pytest.raises(ApprovalRequestFailed, match="could not publish to the approval topic"):
        request_approval(
            {"request_id": "req-1", "task_token": "t"},
            ledger=pending,
            sts=boto3.client("sts"),
            settings=SETTINGS,
            now=NOW,
        )
