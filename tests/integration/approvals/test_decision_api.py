from __future__ import annotations

import gc
import json
import sys
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from lakegate.approvals.api import build_app
from lakegate.approvals.links import hash_secret
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.workflow.conclude_request import conclude_request
from lakegate.workflow.consumer_notice import ConsumerNotifier
from lakegate_offline.http_api import http_api_event
from lakegate_offline.in_process_lambda import LambdaContext, load_handler
from tests.support.ledger_records import CONSUMER, NOW, PRODUCER, evaluated_fields

pytestmark = pytest.mark.integration
SECRET = "correct-horse"


@pytest.fixture
def pending(ledger: Ledger) -> Ledger:
    fields = evaluated_fields(columns=("email",), justification="<b>churn</b>")
    ledger.create("req-1", fields, by="alice", reason="asked", now=NOW)
    ledger.transition(
        "req-1",
        to=Status.PENDING_APPROVAL,
        by="lakegate",
        reason="asked owner",
        now=NOW,
        set_fields={"secret_hash": hash_secret(SECRET), "task_token": "token-1"},
    )
    return ledger


class Browser:
    """Calls the decision API as API Gateway delivers a browser's requests."""

    def __init__(self, ledger: Ledger, sfn: Any, now: datetime = NOW) -> None:
        self.app = build_app(ledger=ledger, sfn=sfn, clock=lambda: now)

    def get(self, request_id: str, **query: str) -> dict[str, Any]:
        return self._send(http_api_event("GET", f"/requests/{request_id}", query=query))

    def post(self, request_id: str, **form: str) -> dict[str, Any]:
        body = urlencode(form)
        event = http_api_event(
            "POST",
            f"/requests/{request_id}",
            body=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        return self._send(event)

    def _send(self, event: dict[str, Any]) -> dict[str, Any]:
        context = LambdaContext(
            function_name="decision", invoked_function_arn="arn:aws:lambda:us-east-1:1:function:d"
        )
        return self.app.resolve(event, context)


OWNER_ARN = f"arn:aws:sts::{PRODUCER}:assumed-role/Owner/pat"
OWNER = {"accountId": PRODUCER, "userArn": OWNER_ARN, "callerId": "AROAOWNER:pat", "userId": "AROAOWNER:pat"}


class OwnerClient:
    """Calls the owner route as the function URL delivers a SigV4-signed request (AWS_IAM auth)."""

    def __init__(self, ledger: Ledger, sfn: Any, now: datetime = NOW) -> None:
        self.app = build_app(ledger=ledger, sfn=sfn, clock=lambda: now)

    def decide(
        self, request_id: str, body: Any, *, caller: dict[str, str] | None = OWNER
    ) -> tuple[int, dict[str, Any], dict[str, Any]]:
        """Status code, JSON body and the raw response."""
        raw = body if isinstance(body, str) else json.dumps(body)
        event = http_api_event(
            "POST",
            f"/owner/requests/{request_id}",
            body=raw,
            headers={"content-type": "application/json"},
            route_key="$default",  # a function URL has no routes of its own
            iam_caller=caller,
        )
        context = LambdaContext(
            function_name="decision", invoked_function_arn="arn:aws:lambda:us-east-1:1:function:d"
        )
        response = self.app.resolve(event, context)
        return response["statusCode"], json.loads(response["body"]), response


def stubbed_sfn() -> tuple[Any, Stubber]:
    sfn = boto3.client("stepfunctions")
    return sfn, Stubber(sfn)


def test_opening_a_link_only_shows_the_request_and_changes_nothing(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    with stubber:  # no Step Functions call is expected
        response = Browser(pending, sfn).get("req-1", action="approve", secret=SECRET)
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert response["headers"]["Referrer-Policy"] == "no-referrer"
    assert "customers" in response["body"] and "&lt;b&gt;churn&lt;/b&gt;" in response["body"]
    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_posting_approve_resumes_the_workflow_and_records_who_decided(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    output = {"decision": "APPROVED", "decided_by": "Pat (email link)", "comment": "ok for Q4"}
    stubber.add_response("send_task_success", {}, {"taskToken": "token-1", "output": json.dumps(output)})
    with stubber:
        response = Browser(pending, sfn).post(
            "req-1", secret=SECRET, action="approve", approver="Pat", comment="ok for Q4"
        )
    stubber.assert_no_pending_responses()
    assert response["statusCode"] == 200
    assert "Access approved" in response["body"]
    record = pending.require("req-1")
    assert record["status"] == Status.APPROVED
    assert record["decided_by"] == "Pat (email link)"
    assert record["decision_comment"] == "ok for Q4"
    assert "task_token" not in record


def test_a_link_used_twice_decides_once_and_says_it_was_already_decided(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_response("send_task_success", {})
    browser = Browser(pending, sfn)
    with stubber:
        browser.post("req-1", secret=SECRET, action="deny")
        replay = browser.post("req-1", secret=SECRET, action="approve")
        reopened = browser.get("req-1", action="approve", secret=SECRET)
    assert replay["statusCode"] == 409
    assert "Access denied" in replay["body"] and "This link no longer changes anything." in replay["body"]
    assert reopened["statusCode"] == 409
    assert pending.require("req-1")["status"] == Status.DENIED


@pytest.mark.parametrize("secret", ["", "wrong", SECRET + "x"])
def test_a_wrong_secret_is_forbidden_and_decides_nothing(pending: Ledger, secret: str) -> None:
    sfn, stubber = stubbed_sfn()
    with stubber:
        assert Browser(pending, sfn).get("req-1", action="approve", secret=secret)["statusCode"] == 403
        assert Browser(pending, sfn).post("req-1", secret=secret, action="approve")["statusCode"] == 403
    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_an_unknown_request_is_not_found(pending: Ledger) -> None:
    sfn, _ = stubbed_sfn()
    assert Browser(pending, sfn).get("req-404", secret=SECRET)["statusCode"] == 404


def test_a_link_after_the_deadline_says_expired_and_decides_nothing(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    late = Browser(pending, sfn, now=NOW + timedelta(days=4))
    with stubber:
        response = late.post("req-1", secret=SECRET, action="approve")
    assert response["statusCode"] == 410
    assert "This request has expired" in response["body"]
    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_a_decision_the_workflow_no_longer_waits_for_expires_the_request(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_client_error("send_task_success", service_error_code="TaskTimedOut")
    with stubber:
        response = Browser(pending, sfn).post("req-1", secret=SECRET, action="approve")
    assert response["statusCode"] == 410
    assert pending.require("req-1")["status"] == Status.EXPIRED


class TimedOutMeanwhile:
    """Step Functions whose wait timed out, and whose execution concluded EXPIRED, as the click arrived."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def send_task_success(self, **_: Any) -> None:
        sns = boto3.client("sns")
        conclude_request(
            {"request_id": "req-1", "evaluation": {"approval_timeout_seconds": 3600}, "timeout": {}},
            ledger=self.ledger,
            notifier=ConsumerNotifier(sns.create_topic(Name="consumer-notices")["TopicArn"], sns=sns),
            now=NOW,
        )
        raise ClientError({"Error": {"Code": "TaskTimedOut", "Message": "timed out"}}, "SendTaskSuccess")


def test_a_decision_that_lost_the_race_with_the_timeout_says_expired(pending: Ledger) -> None:
    response = Browser(pending, TimedOutMeanwhile(pending)).post("req-1", secret=SECRET, action="deny")
    assert response["statusCode"] == 410
    assert "This request has expired" in response["body"]
    statuses = [entry["status"] for entry in pending.require("req-1")["history"]]
    assert statuses == ["RECEIVED", "PENDING_APPROVAL", "DENIED", "EXPIRED"]


def test_an_undeliverable_decision_reopens_the_link(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_client_error(
        "send_task_success", service_error_code="ServiceUnavailable", http_status_code=503
    )
    with stubber:
        response = Browser(pending, sfn).post("req-1", secret=SECRET, action="approve", approver="Pat")
    assert response["statusCode"] == 503
    record = pending.require("req-1")
    assert record["status"] == Status.PENDING_APPROVAL
    assert record["task_token"] == "token-1"
    assert "decided_by" not in record


def test_an_unknown_action_is_a_bad_request(pending: Ledger) -> None:
    sfn, _ = stubbed_sfn()
    response = Browser(pending, sfn).post("req-1", secret=SECRET, action="maybe")
    assert response["statusCode"] == 400
    assert "action: must be one of approve, deny" in response["body"]


def test_loading_a_handler_leaves_garbage_collection_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(
        sys.modules, "lakegate.handlers", raising=False
    )  # so its __init__ pauses collection again
    load_handler(
        "lakegate.handlers.decision_api.handler",
        {
            "LEDGER_TABLE_NAME": "t",
            "EVENT_BUS_NAME": "lakegate",
            "REVOKE_FUNCTION_NAME": "r",
            "AWS_REGION": "us-east-1",
        },
    )
    assert gc.isenabled()


# --- owners deciding with their AWS identity -------------------------------------------------


def test_the_owner_account_approves_and_its_aws_identity_is_recorded_as_the_approver(
    pending: Ledger,
) -> None:
    sfn, stubber = stubbed_sfn()
    decided_by = f"{OWNER_ARN} (AWS identity)"
    output = {"decision": "APPROVED", "decided_by": decided_by, "comment": "ok for Q4"}
    stubber.add_response("send_task_success", {}, {"taskToken": "token-1", "output": json.dumps(output)})
    with stubber:
        status, body, response = OwnerClient(pending, sfn).decide(
            "req-1", {"action": "approve", "comment": " ok for Q4 "}
        )
    stubber.assert_no_pending_responses()

    assert status == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["headers"]["Cache-Control"] == "no-store"
    assert body == {
        "request_id": "req-1",
        "status": "APPROVED",
        "item": None,
        "consumer_account": CONSUMER,
        "decided_by": decided_by,
        "decided_at": "2026-11-22T12:00:00+00:00",
        "comment": "ok for Q4",
    }
    record = pending.require("req-1")
    assert record["status"] == Status.APPROVED
    assert record["decided_by"] == decided_by
    assert "task_token" not in record
    assert record["history"][-1] == {
        "status": "APPROVED",
        "at": "2026-11-22T12:00:00+00:00",
        "by": decided_by,
        "reason": "ok for Q4",
    }


def test_the_owner_denies_without_a_comment(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_response("send_task_success", {})
    with stubber:
        status, body, _ = OwnerClient(pending, sfn).decide("req-1", {"action": "deny"})

    assert (status, body["status"], body["comment"]) == (200, "DENIED", None)
    assert pending.require("req-1")["history"][-1]["reason"] == "denied from the owner's AWS identity"


@pytest.mark.parametrize(
    ("caller", "message"),
    [
        (
            {**OWNER, "accountId": CONSUMER, "userArn": f"arn:aws:iam::{CONSUMER}:user/mallory"},
            f"only the data owner's account {PRODUCER} may decide request req-1; "
            f"you are arn:aws:iam::{CONSUMER}:user/mallory in account {CONSUMER}",
        ),
        (None, "the request carries no AWS identity; sign it with SigV4 (lakegate approve does)"),
        (
            {"accountId": PRODUCER},
            "the request carries no AWS identity; sign it with SigV4 (lakegate approve does)",
        ),
    ],
    ids=["another-account", "no-identity", "no-arn"],
)
def test_a_caller_outside_the_owner_account_is_forbidden_and_decides_nothing(
    pending: Ledger, caller: dict[str, str] | None, message: str
) -> None:
    sfn, stubber = stubbed_sfn()
    with stubber:  # no Step Functions call is expected
        status, body, _ = OwnerClient(pending, sfn).decide("req-1", {"action": "approve"}, caller=caller)

    assert (status, body) == (403, {"error": "forbidden", "message": message})
    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_an_owner_identity_that_asked_for_the_request_may_not_decide_it(ledger: Ledger) -> None:
    ledger.create("req-2", evaluated_fields(requester=OWNER_ARN), by=OWNER_ARN, reason="asked", now=NOW)
    ledger.transition(
        "req-2",
        to=Status.PENDING_APPROVAL,
        by="lakegate",
        reason="asked",
        now=NOW,
        set_fields={"task_token": "t"},
    )
    sfn, stubber = stubbed_sfn()
    with stubber:  # no Step Functions call is expected
        status, body, _ = OwnerClient(ledger, sfn).decide("req-2", {"action": "approve"})

    assert (status, body["error"]) == (403, "forbidden")
    assert body["message"].startswith(f"{OWNER_ARN} asked for request req-2")
    assert ledger.require("req-2")["status"] == Status.PENDING_APPROVAL


def test_an_owner_decision_on_a_decided_request_says_who_decided_and_when(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_response("send_task_success", {})
    owner = OwnerClient(pending, sfn)
    with stubber:
        owner.decide("req-1", {"action": "deny", "comment": "no"})
        status, body, _ = owner.decide("req-1", {"action": "approve"})

    assert status == 409
    assert body["error"] == "already_decided"
    assert body["status"] == "DENIED"
    assert body["decided_by"] == f"{OWNER_ARN} (AWS identity)"
    assert body["decided_at"] == "2026-11-22T12:00:00+00:00"
    assert body["message"] == (
        f"request req-1 was already decided by {OWNER_ARN} (AWS identity) at 2026-11-22T12:00:00+00:00; "
        "it is DENIED"
    )


def test_the_link_and_the_owner_route_share_one_claim(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_response("send_task_success", {})
    with stubber:
        owner_status, _, _ = OwnerClient(pending, sfn).decide("req-1", {"action": "approve"})
        link = Browser(pending, sfn).post("req-1", secret=SECRET, action="deny")
    stubber.assert_no_pending_responses()

    assert owner_status == 200
    assert link["statusCode"] == 409
    assert link["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert "Access approved" in link["body"]
    assert pending.require("req-1")["status"] == Status.APPROVED


def test_an_owner_decision_after_the_deadline_is_gone_and_decides_nothing(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    with stubber:
        status, body, _ = OwnerClient(pending, sfn, now=NOW + timedelta(days=4)).decide(
            "req-1", {"action": "approve"}
        )

    assert (status, body["error"], body["status"]) == (410, "expired", "EXPIRED")
    assert "nobody decided in time" in body["message"]
    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_an_owner_decision_on_an_unknown_request_is_not_found(pending: Ledger) -> None:
    sfn, _ = stubbed_sfn()
    status, body, _ = OwnerClient(pending, sfn).decide("req-404", {"action": "approve"})
    assert (status, body["error"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("approve", 'the body must be a JSON object like {"action": "approve", "comment": "..."}'),
        (["approve"], 'the body must be a JSON object like {"action": "approve", "comment": "..."}'),
        ({"action": "maybe"}, "action: must be one of approve, deny"),
        ({"comment": "fine"}, "action: must be one of approve, deny"),
        ({"action": "approve", "approver": "Pat"}, "approver: unknown field; expected only action, comment"),
        ({"action": "approve", "comment": 5}, "comment: must be a string"),
        ({"action": "approve", "comment": "x" * 1001}, "comment: at most 1000 characters"),
    ],
)
def test_an_owner_body_that_is_not_understood_is_a_bad_request(
    pending: Ledger, body: Any, message: str
) -> None:
    sfn, stubber = stubbed_sfn()
    with stubber:
        status, answer, _ = OwnerClient(pending, sfn).decide("req-1", body)
    assert (status, answer) == (400, {"error": "bad_request", "message": message})
    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_an_undeliverable_owner_decision_is_unavailable_and_reopens_the_request(pending: Ledger) -> None:
    sfn, stubber = stubbed_sfn()
    stubber.add_client_error(
        "send_task_success", service_error_code="ThrottlingException", http_status_code=400
    )
    with stubber:
        status, body, _ = OwnerClient(pending, sfn).decide("req-1", {"action": "approve"})

    assert (status, body["error"]) == (503, "unavailable")
    record = pending.require("req-1")
    assert record["status"] == Status.PENDING_APPROVAL
    assert record["task_token"] == "token-1"


def test_the_pages_link_one_stylesheet_the_api_serves_and_allow_no_inline_style(pending: Ledger) -> None:
    sfn, _ = stubbed_sfn()
    browser = Browser(pending, sfn)

    page = browser.get("req-1", action="approve", secret=SECRET)
    style = browser._send(http_api_event("GET", "/assets/lakegate.css"))
    other = browser._send(http_api_event("GET", "/assets/portal.js"))

    policy = page["headers"]["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert '<link rel="stylesheet" href="/assets/lakegate.css">' in page["body"]
    assert "<style" not in page["body"] and " style=" not in page["body"]
    assert style["statusCode"] == 200
    assert style["headers"]["Content-Type"] == "text/css; charset=utf-8"
    assert "button.primary" in style["body"]
    assert other["statusCode"] == 404
