"""Time-bound access on moto: grant until an expiry, revoke by itself then, and producers' maximum durations.

The mesh here compresses the clock (``access_day_seconds=1``): a day of access lasts one second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from lakegate.ledger.store import Ledger
from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, OfflineMesh, offline_mesh
from tests.conftest import dummy_aws_credentials
from tests.support.typed_records import assert_typed_record
from tests.workflow.conftest import build_catalog, links, wait_for
from tests.workflow.test_access_workflow import grants_to, output, request

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def fast_mesh() -> Iterator[OfflineMesh]:
    """A mesh where a day of access lasts one second, with a table allowing at most 30 days."""
    with dummy_aws_credentials(), offline_mesh(access_day_seconds=1) as built:
        build_catalog(built)
        glue = built.client("glue")
        create_database(glue, "customers", data_owner=PRODUCER_ACCOUNT, owner_name="Customer Data")
        create_table(
            glue,
            "customers",
            "profiles",
            columns=["customer_id", ("email", {"pii_flag": "true"})],
            parameters={"max_duration_days": "30"},
        )
        yield built


def wait_for_status(mesh: OfflineMesh, request_id: str, status: str, timeout: float = 8.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = mesh.ledger_record(request_id)
        if record is not None and record["status"] == status:
            return record
        time.sleep(0.05)
    raise AssertionError(f"{request_id} is not {status} after {timeout}s: {mesh.ledger_record(request_id)}")


def notice_with_status(
    mesh: OfflineMesh, request_id: str, status: str, timeout: float = 5.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mesh.consumer_notices():
            if request_id in message["body"] and message["attributes"]["status"] == status:
                return json.loads(message["body"])
        time.sleep(0.05)
    raise AssertionError(f"no {status} notice about {request_id} arrived")


def test_a_time_bound_grant_is_revoked_by_itself_when_its_days_are_over(
    fast_mesh: OfflineMesh, request_id: str
) -> None:
    result = output(fast_mesh.run(request("sales", "orders", duration_days=3), request_id))
    assert result["status"] == "GRANTED"
    record = fast_mesh.ledger_record(request_id)
    assert record is not None and record["access_expires_at"] == result["access_expires_at"]
    assert record["status"] == "GRANTED"
    orders = {"Table": {"DatabaseName": "sales", "Name": "orders"}}
    assert orders in [grant["Resource"] for grant in grants_to(fast_mesh, CONSUMER_ACCOUNT)]
    granted = notice_with_status(fast_mesh, request_id, "GRANTED")
    assert granted["access_expires_at"] == result["access_expires_at"]

    revoked = wait_for_status(fast_mesh, request_id, "REVOKED")

    assert (revoked["revoked_by"], revoked["revocation_reason"]) == ("lakegate", "access for 3 days ended")
    assert_typed_record(revoked)
    last = revoked["history"][-1]
    assert (last["status"], last["by"], last["reason"]) == ("REVOKED", "lakegate", "access for 3 days ended")
    # moto's Wait state truncates the seconds left to a whole number, so it may end up to a second early
    # (Step Functions waits until the timestamp).
    ended, expiry = (datetime.fromisoformat(revoked[name]) for name in ("revoked_at", "access_expires_at"))
    assert ended >= expiry - timedelta(seconds=1)
    assert orders not in [grant["Resource"] for grant in grants_to(fast_mesh, CONSUMER_ACCOUNT)]
    notice = notice_with_status(fast_mesh, request_id, "REVOKED")
    assert notice["grants"] == revoked["grants"]
    # The ledger and the notice are written by the revoke step; the execution ends just after it.
    execution = fast_mesh.wait(
        f"{fast_mesh.expiry_state_machine_arn.replace(':stateMachine:', ':execution:')}:{request_id}-expiry"
    )
    assert execution["status"] == "SUCCEEDED"


def test_a_sensitive_request_longer_than_the_tables_maximum_fails_as_invalid(
    fast_mesh: OfflineMesh, request_id: str
) -> None:
    execution = fast_mesh.run(request("customers", "profiles", duration_days=45), request_id)

    assert (execution["status"], execution.get("error")) == ("FAILED", "InvalidRequest")
    assert execution["cause"] == (
        "duration_days: 45 is too long: customers.profiles allows at most 30 days for sensitive data "
        "(max_duration_days); ask for 30 or fewer"
    )
    assert all(request_id not in email["body"] for email in fast_mesh.approval_emails())


def test_a_sensitive_request_within_the_maximum_is_asked_and_the_email_shows_its_expiry(
    fast_mesh: OfflineMesh, request_id: str
) -> None:
    execution = fast_mesh.start(request("customers", "profiles", duration_days=30), request_id)
    email = wait_for(fast_mesh.approval_emails, request_id)
    assert "Access for:        30 days after it is granted (until about " in email["body"]

    fast_mesh.post_decision(links(email)["approve"], "approve", approver="Pat Owner")
    result = output(fast_mesh.wait(execution))

    assert result["status"] == "GRANTED" and result["access_expires_at"]
    record = Ledger(fast_mesh.ledger_table, dynamodb=fast_mesh.client("dynamodb")).require(request_id)
    assert (record["status"], record["access_expires_at"]) == ("GRANTED", result["access_expires_at"])
    # Access would last 30 seconds here; stop waiting for it so nothing outlives the mesh.
    expiry_execution = (
        f"{fast_mesh.expiry_state_machine_arn.replace(':stateMachine:', ':execution:')}:{request_id}-expiry"
    )
    stepfunctions = fast_mesh.client("stepfunctions")
    assert stepfunctions.describe_execution(executionArn=expiry_execution)["status"] == "RUNNING"
    stepfunctions.stop_execution(executionArn=expiry_execution)
    assert fast_mesh.wait(expiry_execution, timeout=5)["status"] == "ABORTED"


def test_an_expiry_keeps_what_another_granted_request_holds(fast_mesh: OfflineMesh, request_id: str) -> None:
    # GIVEN products granted for good, then the same access asked for three days
    lasting = f"{request_id}-lasting"
    assert output(fast_mesh.run(request("sales", "products"), lasting))["status"] == "GRANTED"
    result = output(fast_mesh.run(request("sales", "products", duration_days=3), request_id))
    assert result["status"] == "GRANTED"
    assert fast_mesh.ledger_record(request_id)["held_elsewhere"][0]["held_by"] == [lasting]  # type: ignore[index]

    # WHEN its day is over
    revoked = wait_for_status(fast_mesh, request_id, "REVOKED")

    # THEN the lasting request's access stays, and the record and the notice say why
    products = {"Table": {"DatabaseName": "sales", "Name": "products"}}
    assert products in [grant["Resource"] for grant in grants_to(fast_mesh, CONSUMER_ACCOUNT)]
    kept = [
        {"grant": f"SELECT, DESCRIBE on table sales.products to {CONSUMER_ACCOUNT}", "held_by": [lasting]}
    ]
    assert (revoked["revocation_removed"], revoked["revocation_kept"]) == ([], kept)
    assert notice_with_status(fast_mesh, request_id, "REVOKED")["kept"] == kept
    assert fast_mesh.ledger_record(lasting)["status"] == "GRANTED"  # type: ignore[index]
