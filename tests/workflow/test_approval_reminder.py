"""The approver reminder on moto: one reminder with working links before the approval deadline.

The mesh here gives owners four seconds to decide and reminds them two seconds before the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from lakegate_offline.mesh import CONSUMER_ACCOUNT, OfflineMesh, offline_mesh
from tests.conftest import dummy_aws_credentials
from tests.support.typed_records import assert_typed_record
from tests.workflow.conftest import build_catalog, links
from tests.workflow.test_access_workflow import grants_to, output, request

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def reminding_mesh() -> Iterator[OfflineMesh]:
    with (
        dummy_aws_credentials(),
        offline_mesh(approval_timeout_seconds=8, approval_reminder_seconds=4) as built,
    ):
        build_catalog(built)
        yield built


def collect(mesh: OfflineMesh, inbox: list[dict[str, Any]], request_id: str, count: int) -> None:
    """Read approval emails about ``request_id`` into ``inbox`` until it holds ``count`` (or 10 s pass)."""
    deadline = time.monotonic() + 10
    while len(inbox) < count and time.monotonic() < deadline:
        inbox.extend(email for email in mesh.approval_emails() if request_id in email["body"])
        time.sleep(0.05)
    assert len(inbox) >= count, f"only {len(inbox)} emails about {request_id}"


def test_an_undecided_request_gets_one_reminder_whose_link_approves_it(
    reminding_mesh: OfflineMesh, request_id: str
) -> None:
    execution = reminding_mesh.start(request("flagged_db", "events"), request_id)
    inbox: list[dict[str, Any]] = []
    collect(reminding_mesh, inbox, request_id, 2)

    first, reminder = inbox
    assert first["subject"].startswith("Access request for flagged_db.events")
    assert reminder["subject"].startswith("Reminder: access request for flagged_db.events")
    assert "this request expires at " in reminder["body"]
    assert links(reminder)["approve"] != links(first)["approve"]

    response = reminding_mesh.post_decision(links(reminder)["approve"], "approve", approver="Pat Owner")
    assert response.status == 200
    result = output(reminding_mesh.wait(execution))

    assert result["status"] == "GRANTED"
    assert any(
        grant["Resource"].get("Table", {}).get("DatabaseName") == "flagged_db"
        for grant in grants_to(reminding_mesh, CONSUMER_ACCOUNT)
    )
    record = reminding_mesh.ledger_record(request_id)
    assert record is not None and record["reminded_at"] and len(record["secret_hashes"]) == 2
    assert_typed_record(record)
    executions = reminding_mesh.reminder_state_machine_arn.replace(":stateMachine:", ":execution:")
    reminder_execution = reminding_mesh.wait(f"{executions}:{request_id}-reminder")  # ends just after it sent
    assert reminder_execution["status"] == "SUCCEEDED"
    time.sleep(1)
    assert [email for email in reminding_mesh.approval_emails() if request_id in email["body"]] == []
