"""Deciding from the portal: the same claim and resume as the email links and `lakegate approve`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lakegate.approvals.decision import CallerNotAllowed, DecisionClosed, parse_decision, take_portal_decision
from lakegate.core.errors import RequestNotFound
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.portal.auth import PortalUser, user_from_claims
from tests.support.ledger_records import NOW, PRODUCER, evaluated_fields

pytestmark = pytest.mark.integration

OWNER = user_from_claims(
    {
        "cognito:username": "olivia",
        "cognito:groups": "[owners]",
        "custom:owner_accounts": f"111122223333,{PRODUCER}",
    }
)
OTHER_OWNER = user_from_claims(
    {"cognito:username": "oscar", "cognito:groups": "[owners]", "custom:owner_accounts": "111122223333"}
)
ADMIN = user_from_claims({"cognito:username": "ada", "cognito:groups": "[admins]"})
CONSUMER = user_from_claims({"cognito:username": "carol", "cognito:groups": "[consumers]"})


@pytest.fixture
def pending(ledger: Ledger) -> Ledger:
    ledger.create("req-1", evaluated_fields(columns=("email",)), by="carol", reason="asked", now=NOW)
    ledger.transition(
        "req-1",
        to=Status.PENDING_APPROVAL,
        by="lakegate",
        reason="asked owner",
        now=NOW,
        set_fields={"task_token": "token-1"},
    )
    return ledger


def decide(ledger: Ledger, user: PortalUser, action: str, *, sfn: Any, comment: str | None = None) -> Any:
    return take_portal_decision(
        "req-1", user, parse_decision(action, None, comment), ledger=ledger, sfn=sfn, now=NOW
    )


@pytest.mark.parametrize(
    ("user", "action", "status"), [(OWNER, "approve", "APPROVED"), (ADMIN, "deny", "DENIED")]
)
def test_an_owner_of_the_account_or_an_admin_decides_and_is_recorded_as_the_portal_user(
    pending: Ledger, user: PortalUser, action: str, status: str
) -> None:
    sfn = boto3.client("stepfunctions")
    output = {"decision": status, "decided_by": f"{user.username} (portal)", "comment": "fine"}
    with Stubber(sfn) as stubber:
        stubber.add_response("send_task_success", {}, {"taskToken": "token-1", "output": json.dumps(output)})
        record = decide(pending, user, action, sfn=sfn, comment="fine")
        stubber.assert_no_pending_responses()

    assert record["status"] == status
    assert record["decided_by"] == f"{user.username} (portal)"
    assert record["decision_comment"] == "fine"
    assert "task_token" not in record
    assert record["history"][-1]["by"] == f"{user.username} (portal)"


@pytest.mark.parametrize("user", [OTHER_OWNER, CONSUMER])
def test_anyone_else_is_refused_and_nothing_changes(pending: Ledger, user: PortalUser) -> None:
    sfn = boto3.client("stepfunctions")
    with Stubber(sfn), pytest.raises(CallerNotAllowed, match=PRODUCER):
        decide(pending, user, "approve", sfn=sfn)

    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_a_decided_request_is_closed_to_a_second_decision(pending: Ledger) -> None:
    sfn = boto3.client("stepfunctions")
    with Stubber(sfn) as stubber:
        stubber.add_response("send_task_success", {})
        decide(pending, OWNER, "deny", sfn=sfn)
        with pytest.raises(DecisionClosed) as closed:
            decide(pending, ADMIN, "approve", sfn=sfn)

    assert closed.value.record["decided_by"] == "olivia (portal)"


def test_an_expired_request_cannot_be_decided(pending: Ledger) -> None:
    sfn = boto3.client("stepfunctions")
    later = NOW + timedelta(days=4)
    with Stubber(sfn), pytest.raises(DecisionClosed) as closed:
        take_portal_decision(
            "req-1", OWNER, parse_decision("approve", None, None), ledger=pending, sfn=sfn, now=later
        )

    assert closed.value.record["status"] == Status.EXPIRED


def test_an_unknown_request_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(RequestNotFound):
        decide(ledger, ADMIN, "approve", sfn=boto3.client("stepfunctions"))


SELF_OWNER = user_from_claims(
    {"cognito:username": "alice", "cognito:groups": "[consumers owners]", "custom:owner_accounts": PRODUCER}
)
SELF_ADMIN = user_from_claims({"cognito:username": "alice", "cognito:groups": "[admins]"})


@pytest.mark.parametrize("user", [SELF_OWNER, SELF_ADMIN])
def test_nobody_decides_their_own_request_not_even_an_admin(pending: Ledger, user: PortalUser) -> None:
    sfn = boto3.client("stepfunctions")
    with Stubber(sfn), pytest.raises(CallerNotAllowed, match=r"asked for request req-1 .* may not decide it"):
        decide(pending, user, "approve", sfn=sfn)

    assert pending.require("req-1")["status"] == Status.PENDING_APPROVAL


def test_the_person_a_request_grants_to_may_not_decide_it(ledger: Ledger) -> None:
    fields = evaluated_fields(columns=("email",), person="olivia", requester="someone-else")
    ledger.create("req-1", fields, by="someone-else", reason="asked", now=NOW)
    ledger.transition("req-1", to=Status.PENDING_APPROVAL, by="lakegate", reason="asked", now=NOW)
    sfn = boto3.client("stepfunctions")
    with Stubber(sfn), pytest.raises(CallerNotAllowed, match="olivia asked for request req-1"):
        decide(ledger, OWNER, "approve", sfn=sfn)
