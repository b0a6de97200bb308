"""A request nobody decides expires: the workflow records it and the link says so."""

from __future__ import annotations

import pytest

from lakegate_offline.mesh import CONSUMER_ACCOUNT, OfflineMesh
from tests.support.status_event_schema import assert_conforms
from tests.workflow.conftest import links, wait_for
from tests.workflow.test_access_workflow import grants_to, output, request

pytestmark = pytest.mark.workflow


def test_nobody_deciding_in_time_expires_the_request_and_its_link(
    impatient_mesh: OfflineMesh, request_id: str
) -> None:
    execution = impatient_mesh.start(request("flagged_db", "events"), request_id)
    approve = links(wait_for(impatient_mesh.approval_emails, request_id))["approve"]
    result = output(impatient_mesh.wait(execution, timeout=20))
    assert result["status"] == "EXPIRED"
    record = impatient_mesh.ledger_record(request_id)
    assert record is not None and record["status"] == "EXPIRED"
    assert record["history"][-1]["reason"] == "nobody decided within 1 second"
    page = impatient_mesh.http("GET", approve)
    assert page.status == 410 and "This request has expired" in page.body
    assert grants_to(impatient_mesh, CONSUMER_ACCOUNT) == []
    assert wait_for(impatient_mesh.consumer_notices, request_id)["attributes"]["status"] == "EXPIRED"


def test_an_expired_request_is_created_pending_then_expired_on_the_bus(
    impatient_mesh: OfflineMesh, request_id: str
) -> None:
    execution = impatient_mesh.start(request("flagged_db", "events"), request_id)
    assert output(impatient_mesh.wait(execution, timeout=20))["status"] == "EXPIRED"

    events = impatient_mesh.status_events(request_id)

    for event in events:
        assert_conforms(event)
    assert [event["detail-type"] for event in events] == [
        "Access Request Created",
        "Access Request Pending Approval",
        "Access Request Expired",
    ]
    expired = events[-1]["detail"]
    assert (expired["previous_status"], expired["by"]) == ("PENDING_APPROVAL", "lakegate")
    assert expired["reason"] == "nobody decided within 1 second"
