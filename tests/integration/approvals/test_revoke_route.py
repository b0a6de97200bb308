"""`lakegate revoke`'s route: the owner's or the central account's identity revokes what was granted."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from lakegate.approvals.api import build_app
from lakegate.ledger.store import Ledger
from lakegate.workflow.consumer_notice import ConsumerNotifier
from lakegate.workflow.grant_access import grant_access
from lakegate.workflow.revocation_client import RevocationFailed
from lakegate.workflow.revoke_access import revoke_access
from lakegate_offline.http_api import http_api_event
from lakegate_offline.in_process_lambda import LambdaContext
from tests.support.ledger_records import NOW, PRODUCER, evaluated_fields

pytestmark = pytest.mark.integration
CENTRAL = "123456789012"
CONTEXT = LambdaContext(
    function_name="decision", invoked_function_arn=f"arn:aws:lambda:us-east-1:{CENTRAL}:function:decision"
)


def caller(account: str, name: str) -> dict[str, str]:
    arn = f"arn:aws:sts::{account}:assumed-role/{name}/session"
    return {"accountId": account, "userArn": arn, "callerId": f"AROA:{name}", "userId": f"AROA:{name}"}


class InProcessRevoker:
    """The revoke function's logic, called directly (the deployed route invokes the function)."""

    def __init__(self, ledger: Ledger, lakeformation: Any, notifier: ConsumerNotifier) -> None:
        self.ledger, self.lakeformation, self.notifier = ledger, lakeformation, notifier

    def revoke(self, request_id: str, *, by: str, reason: str) -> dict[str, Any]:
        return revoke_access(
            request_id, ledger=self.ledger, lakeformation=self.lakeformation, notifier=self.notifier, by=by,
            reason=reason,
        )  # fmt: skip


@pytest.fixture
def app(ledger: Ledger, lakeformation: Any) -> Any:
    topic = boto3.client("sns").create_topic(Name="notices")["TopicArn"]
    notifier = ConsumerNotifier(topic, sns=boto3.client("sns"))
    ledger.create(
        "r1", evaluated_fields("sales", "orders", sensitive=False), by="alice", reason="asked", now=NOW
    )
    grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    revoker = InProcessRevoker(ledger, lakeformation, notifier)
    return build_app(ledger=ledger, sfn=boto3.client("stepfunctions"), revoker=revoker, clock=lambda: NOW)


def revoke(app: Any, request_id: str, who: dict[str, str], comment: str = "project ended") -> tuple[int, Any]:
    event = http_api_event(
        "POST",
        f"/owner/requests/{request_id}/revoke",
        body=json.dumps({"comment": comment}),
        headers={"content-type": "application/json"},
        route_key="$default",
        iam_caller=who,
    )
    response = app.resolve(event, CONTEXT)
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize(("account", "role"), [(PRODUCER, "Owner"), (CENTRAL, "Admin")])
def test_the_owner_or_a_central_administrator_revokes_and_is_recorded(
    app: Any, ledger: Ledger, lakeformation: Any, account: str, role: str
) -> None:
    status, body = revoke(app, "r1", caller(account, role))
    assert status == 200
    assert body["revoked_now"] is True
    assert body["revoked_by"] == f"arn:aws:sts::{account}:assumed-role/{role}/session (AWS identity)"
    assert lakeformation.list_permissions()["PrincipalResourcePermissions"] == []
    assert ledger.require("r1")["revocation_reason"] == "project ended"


def test_a_consumer_cannot_revoke_and_nothing_changes(app: Any, ledger: Ledger, lakeformation: Any) -> None:
    status, body = revoke(app, "r1", caller("444455556666", "Analyst"))
    assert status == 403
    assert "only the data owner's account (222222222222) or the central account" in body["message"]
    assert ledger.require("r1")["status"] == "GRANTED"
    assert len(lakeformation.list_permissions()["PrincipalResourcePermissions"]) == 1


def test_revoking_twice_answers_that_it_was_already_revoked(app: Any) -> None:
    revoke(app, "r1", caller(PRODUCER, "Owner"))
    status, body = revoke(app, "r1", caller(CENTRAL, "Admin"), comment="again")
    assert (status, body["revoked_now"], body["reason"]) == (200, False, "project ended")


def test_a_request_that_was_never_granted_cannot_be_revoked(app: Any, ledger: Ledger) -> None:
    ledger.create("r2", evaluated_fields(), by="alice", reason="asked", now=NOW)
    status, body = revoke(app, "r2", caller(PRODUCER, "Owner"))
    assert status == 409
    assert body["message"] == "request r2 is RECEIVED; only a granted request can be revoked"
    assert revoke(app, "nope", caller(PRODUCER, "Owner"))[0] == 404


class FailingRevoker:
    def revoke(self, request_id: str, *, by: str, reason: str) -> dict[str, Any]:
        raise RevocationFailed("the revoke function did not answer")


def test_a_revocation_that_could_not_be_made_says_nothing_was_revoked(ledger: Ledger, app: Any) -> None:
    failing = build_app(
        ledger=ledger, sfn=boto3.client("stepfunctions"), revoker=FailingRevoker(), clock=lambda: NOW
    )

    status, body = revoke(failing, "r1", caller(PRODUCER, "Owner"))

    assert (status, body["message"]) == (
        503,
        "The revocation could not be made just now; nothing was revoked.",
    )
    assert ledger.require("r1")["status"] == "GRANTED"
