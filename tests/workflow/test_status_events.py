"""Every status change of a request reaches the event bus, in order, once, and matches the schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.mesh import CONSUMER_ACCOUNT, OfflineMesh
from tests.support.status_event_schema import assert_conforms
from tests.workflow.conftest import PII, UNDEPLOYED_PRODUCER, links, wait_for
from tests.workflow.test_access_workflow import output, request

pytestmark = pytest.mark.workflow


def heard(mesh: OfflineMesh, request_id: str) -> list[dict[str, Any]]:
    """The request's events on the bus, each checked against the schema."""
    events = mesh.status_events(request_id)
    for event in events:
        assert_conforms(event)
    return events


def detail_types(mesh: OfflineMesh, request_id: str) -> list[str]:
    return [event["detail-type"] for event in heard(mesh, request_id)]


@pytest.fixture(scope="module")
def unreachable_producer(mesh: OfflineMesh) -> str:
    glue = mesh.client("glue")
    create_database(glue, "elsewhere", data_owner=UNDEPLOYED_PRODUCER)
    create_table(glue, "elsewhere", "secrets", columns=["id"], parameters=PII)
    return "elsewhere"


def test_an_auto_shared_request_is_created_then_granted(mesh: OfflineMesh, request_id: str) -> None:
    result = output(mesh.run(request("sales", "orders"), request_id))

    created, granted = heard(mesh, request_id)

    assert [created["detail-type"], granted["detail-type"]] == [
        "Access Request Created",
        "Access Request Granted",
    ]
    assert granted["detail"]["grants"] == result["grants"]
    assert (granted["detail"]["previous_status"], granted["detail"]["by"]) == ("RECEIVED", "lakegate")
    assert created["detail"]["table"] == "orders"


def test_an_approved_request_is_created_pending_approved_then_granted(
    mesh: OfflineMesh, request_id: str
) -> None:
    body = request("column_flag", "profiles")
    body["source"]["columns"] = ["id", "email"]
    execution = mesh.start(body, request_id)
    mesh.wait(execution, until="waiting")
    approve = links(wait_for(mesh.approval_emails, request_id))["approve"]
    assert detail_types(mesh, request_id) == ["Access Request Created", "Access Request Pending Approval"]

    mesh.post_decision(approve, "approve", approver="Pat Owner", comment="churn study")
    result = output(mesh.wait(execution))

    events = heard(mesh, request_id)
    assert [event["detail-type"] for event in events] == [
        "Access Request Created",
        "Access Request Pending Approval",
        "Access Request Approved",
        "Access Request Granted",
    ]
    approved = events[2]["detail"]
    assert (approved["by"], approved["reason"]) == ("Pat Owner (email link)", "churn study")
    assert events[3]["detail"]["grants"] == result["grants"]
    assert [event["detail"]["columns"] for event in events] == [["id", "email"]] * 4
    assert [event["detail"]["sequence"] for event in events] == [0, 1, 2, 3]


def test_a_denied_request_is_created_pending_then_denied(mesh: OfflineMesh, request_id: str) -> None:
    execution = mesh.start(request("table_flag", "accounts"), request_id)
    mesh.wait(execution, until="waiting")
    mesh.post_decision(links(wait_for(mesh.approval_emails, request_id))["deny"], "deny", comment="no DPIA")
    assert output(mesh.wait(execution))["status"] == "DENIED"

    assert detail_types(mesh, request_id) == [
        "Access Request Created",
        "Access Request Pending Approval",
        "Access Request Denied",
    ]
    assert heard(mesh, request_id)[-1]["detail"]["reason"] == "no DPIA"


def test_a_replayed_link_changes_nothing_and_puts_nothing(mesh: OfflineMesh, request_id: str) -> None:
    execution = mesh.start(request("caps_flag", "people"), request_id)
    mesh.wait(execution, until="waiting")
    email_links = links(wait_for(mesh.approval_emails, request_id))
    mesh.post_decision(email_links["approve"], "approve")
    output(mesh.wait(execution))
    before = detail_types(mesh, request_id)

    assert mesh.post_decision(email_links["deny"], "deny").status == 409
    assert mesh.post_decision(email_links["approve"], "approve").status == 409

    assert detail_types(mesh, request_id) == before
    assert before[-1] == "Access Request Granted"


def test_invalid_input_fails_without_ever_being_created(mesh: OfflineMesh, request_id: str) -> None:
    body = {"source": {"database": "sales", "table": "orders"}, "target": {"account_id": "4444"}}
    assert mesh.run(body, request_id)["status"] == "FAILED"

    (failed,) = heard(mesh, request_id)

    assert failed["detail-type"] == "Access Request Failed"
    assert failed["detail"]["error"] == "InvalidRequest"
    assert failed["detail"]["previous_status"] is None
    assert failed["detail"]["consumer_account"] is None


def test_a_request_whose_owner_cannot_be_asked_fails_after_it_was_pending(
    mesh: OfflineMesh, request_id: str, unreachable_producer: str
) -> None:
    execution = mesh.run(request(unreachable_producer, "secrets"), request_id)
    assert (execution["status"], execution["error"]) == ("FAILED", "ApprovalRequestFailed")

    events = heard(mesh, request_id)

    assert [event["detail-type"] for event in events] == [
        "Access Request Created",
        "Access Request Pending Approval",
        "Access Request Failed",
    ]
    failed = events[-1]["detail"]
    assert (failed["previous_status"], failed["error"]) == ("PENDING_APPROVAL", "ApprovalRequestFailed")
    assert failed["cause"] == execution["cause"]
    assert failed["data_owner"] == UNDEPLOYED_PRODUCER


def test_every_event_the_mesh_heard_is_lakegates_matches_the_schema_and_holds_no_secret(
    mesh: OfflineMesh, request_id: str
) -> None:
    output(mesh.run(request("sales", "products"), request_id))  # at least one, whatever ran before

    everything = mesh.status_events()

    for event in everything:
        assert_conforms(event)
    assert {event["detail"]["consumer_account"] for event in everything} <= {CONSUMER_ACCOUNT, None}
    request_ids = {event["detail"]["request_id"] for event in everything}
    hashes = [(mesh.ledger_record(rid) or {}).get("secret_hash") for rid in request_ids]
    text = json.dumps(everything)
    assert not [secret_hash for secret_hash in hashes if secret_hash and secret_hash in text]
