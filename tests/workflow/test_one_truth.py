"""The ledger says what Lake Formation holds, also when a step fails after the grant.

The fault is real: the consumer-notification topic is gone, so the conclusion's SNS publish fails
on moto as it would in AWS, after the grants were made.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lakegate_offline.mesh import CONSUMER_ACCOUNT, OfflineMesh, offline_mesh
from tests.conftest import dummy_aws_credentials
from tests.support.typed_records import assert_typed_record
from tests.workflow.conftest import build_catalog
from tests.workflow.test_access_workflow import grants_to, request

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def mute_mesh() -> Iterator[OfflineMesh]:
    """A mesh whose consumer-notification topic has been deleted."""
    with dummy_aws_credentials(), offline_mesh() as built:
        build_catalog(built)
        built.client("sns").delete_topic(TopicArn=built.notification_topic_arn)
        yield built


def test_a_notice_that_fails_after_the_grant_leaves_the_request_granted(
    mute_mesh: OfflineMesh, request_id: str
) -> None:
    execution = mute_mesh.run(request("sales", "orders"), request_id)

    assert (execution["status"], execution.get("error")) == ("FAILED", "NotFoundException")
    orders = {"Table": {"DatabaseName": "sales", "Name": "orders"}}
    assert orders in [grant["Resource"] for grant in grants_to(mute_mesh, CONSUMER_ACCOUNT)]
    record = mute_mesh.ledger_record(request_id)
    assert record is not None
    assert record["status"] == "GRANTED"  # what Lake Formation holds, not FAILED over it
    assert record["follow_up_error"] == "NotFoundException"
    assert [entry["status"] for entry in record["history"]] == ["RECEIVED", "GRANTED"]
    assert_typed_record(record)
