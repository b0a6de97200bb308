"""The approver reminder (request_approval's reminder mode) on moto: one email, fresh links, all work."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lakegate.approvals.links import hash_secret
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.workflow.approval_reminder import ReminderScheduler
from lakegate.workflow.request_approval import request_approval, send_reminder
from tests.integration.approvals.test_decision_api import Browser, stubbed_sfn
from tests.integration.workflow.test_request_approval import SETTINGS, producer_client
from tests.support.ledger_records import NOW, evaluated_fields

pytestmark = pytest.mark.integration
LATER = NOW + timedelta(days=2)  # one day before the deadline (NOW + 3 days)


@pytest.fixture
def inbox() -> Any:
    """Read the producer's approval topic through a queue: returns a function draining it."""
    sns, sqs = producer_client("sns"), producer_client("sqs")
    topic = sns.create_topic(Name="DataLakeSharingApproval")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    def drain() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in messages]

    return drain


@pytest.fixture
def asked(ledger: Ledger, inbox: Any) -> Ledger:
    ledger.create("req-1", evaluated_fields(), by="alice", reason="asked", now=NOW)
    request_approval(
        {"request_id": "req-1", "task_token": "token-1"},
        ledger=ledger,
        sts=boto3.client("sts"),
        settings=SETTINGS,
        now=NOW,
        make_secret=lambda: "first",
    )
    assert len(inbox()) == 1
    return ledger


def remind(ledger: Ledger, secret: str = "second", now: Any = LATER) -> dict[str, Any]:
    return send_reminder(
        {"request_id": "req-1", "reminder": True},
        ledger=ledger,
        sts=boto3.client("sts"),
        settings=SETTINGS,
        now=now,
        make_secret=lambda: secret,
    )


def test_the_reminder_emails_fresh_links_and_adds_their_secret(asked: Ledger, inbox: Any) -> None:
    result = remind(asked)

    assert result["reminded"] is True
    (email,) = inbox()
    assert email["Subject"] == "Reminder: access request for customers.profiles from account 444455556666"
    assert "this request expires at 2026-11-25T12:00:00+00:00" in email["Message"]
    assert "https://decide.example/requests/req-1?action=approve&secret=second" in email["Message"]
    record = asked.require("req-1")
    assert record["secret_hashes"] == [hash_secret("first"), hash_secret("second")]
    assert record["reminded_at"] == LATER.isoformat(timespec="seconds")
    # No status change: no history entry.
    assert record["status"] == Status.PENDING_APPROVAL and len(record["history"]) == 2
    assert "second" not in json.dumps(record)


def test_a_second_reminder_does_nothing(asked: Ledger, inbox: Any) -> None:
    remind(asked)
    inbox()
    again = remind(asked, secret="third", now=LATER + timedelta(hours=1))

    assert again == {"request_id": "req-1", "reminded": False, "status": "PENDING_APPROVAL"}
    assert inbox() == []
    assert hash_secret("third") not in asked.require("req-1")["secret_hashes"]


@pytest.mark.parametrize("secret", ["first", "second"])
def test_the_first_and_the_reminder_links_both_decide_once(asked: Ledger, secret: str) -> None:
    remind(asked)
    sfn, stubber = stubbed_sfn()
    stubber.add_response("send_task_success", {})
    browser = Browser(asked, sfn, now=LATER)
    other = "second" if secret == "first" else "first"
    with stubber:
        assert browser.get("req-1", action="approve", secret=secret)["statusCode"] == 200
        assert browser.get("req-1", action="approve", secret="wrong")["statusCode"] == 403
        assert browser.post("req-1", secret=secret, action="approve")["statusCode"] == 200
        assert browser.post("req-1", secret=secret, action="approve")["statusCode"] == 409
        assert browser.post("req-1", secret=other, action="deny")["statusCode"] == 409
    stubber.assert_no_pending_responses()
    assert asked.require("req-1")["status"] == Status.APPROVED


def test_a_decided_request_gets_no_reminder(asked: Ledger, inbox: Any) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_response("send_task_success", {})
    with stubber:
        Browser(asked, sfn, now=LATER).post("req-1", secret="first", action="deny")

    assert remind(asked)["reminded"] is False
    assert inbox() == []
    assert "reminded_at" not in asked.require("req-1")


def test_an_expired_request_gets_no_reminder(asked: Ledger, inbox: Any) -> None:
    result = remind(asked, now=NOW + timedelta(days=3))

    assert result["reminded"] is False
    assert inbox() == []
    assert "reminded_at" not in asked.require("req-1")


def test_a_reminder_that_cannot_be_published_can_be_sent_by_the_retry(asked: Ledger, inbox: Any) -> None:
    sts: Any = boto3.client("sts")
    stubber = Stubber(sts)
    stubber.add_client_error("assume_role", service_error_code="Throttling", http_status_code=400)
    with stubber, pytest.raises(Exception, match="assum"):
        send_reminder(
            {"request_id": "req-1", "reminder": True}, ledger=asked, sts=sts, settings=SETTINGS, now=LATER
        )
    assert "reminded_at" not in asked.require("req-1")

    assert remind(asked)["reminded"] is True
    assert len(inbox()) == 1


def test_the_approval_step_schedules_the_reminder(ledger: Ledger, inbox: Any) -> None:
    sfn: Any = boto3.client("stepfunctions")
    stubber = Stubber(sfn)
    stubber.add_response(
        "start_execution",
        {"executionArn": "arn:x", "startDate": NOW},
        {
            "stateMachineArn": "arn:reminder",
            "name": "req-1-reminder",
            "input": json.dumps({"request_id": "req-1", "remind_at": "2026-11-24T12:00:00Z"}),
        },
    )
    ledger.create("req-1", evaluated_fields(), by="alice", reason="asked", now=NOW)
    with stubber:
        result = request_approval(
            {"request_id": "req-1", "task_token": "token-1"},
            ledger=ledger,
            sts=boto3.client("sts"),
            settings=SETTINGS,
            reminders=ReminderScheduler("arn:reminder", stepfunctions=sfn, reminder_seconds=86400),
            now=NOW,
        )
    stubber.assert_no_pending_responses()
    assert result["remind_at"] == "2026-11-24T12:00:00Z"
