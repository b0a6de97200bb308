from __future__ import annotations

import gc
import json
import sys
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.stub import Stubber
from lakegate.approval_links import hash_secret
from lakegate.decision_api import build_app
from lakegate.ledger import Ledger, Status

from offline.http_api import http_api_event
from offline.in_process_lambda import LambdaContext, load_handler
from tests.ledger_records import NOW, evaluated_fields

pytestmark = pytest.mark.integration
SECRET = "correct-horse"


@pytest.fixture
def pending(ledger: Ledger) -> Ledger:
    fields = evaluated_fields(columns=("email",), justification="<b>churn</b>")
    ledger.create("req-1", fields, by="alice", reason="asked", now=NOW)
    ledger.transition(
        "req-1",
        to=Status.PENDING_APPROVAL,
        allowed_from={Status.RECEIVED},
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
    monkeypatch.delitem(sys.modules, "handlers", raising=False)  # so its __init__ pauses collection again
    load_handler("handlers.decision_api.handler", {"LEDGER_TABLE_NAME": "t", "AWS_REGION": "us-east-1"})
    assert gc.isenabled()
