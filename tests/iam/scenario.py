"""A few requests through the offline mesh, for when the IAM coverage check runs without the workflow tests.

One table shared at once for a day of access (a second, here), which then expires and is revoked; one
sensitive table the owner approves through the emailed link. Every workflow function, the decision API and
the revoke function run; the DataZone bridge, the invitation functions and the portal do not.
"""

from __future__ import annotations

import time
from typing import Any

from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, OfflineMesh, offline_mesh
from tests.conftest import dummy_aws_credentials
from tests.workflow.conftest import PII, links, wait_for

SHARED, APPROVED = "iam-coverage-shared", "iam-coverage-approved"


def run_representative_scenario(timeout: float = 30.0) -> None:
    with dummy_aws_credentials(), offline_mesh(access_day_seconds=1) as mesh:
        glue = mesh.client("glue")
        create_database(glue, "sales", data_owner=PRODUCER_ACCOUNT, owner_name="Sales")
        create_table(glue, "sales", "orders", columns=["order_id", "amount"])
        create_table(glue, "sales", "customers", columns=["id", ("email", PII)])
        shared = mesh.start(_request("orders", duration_days=1), SHARED)
        approved = mesh.start(_request("customers"), APPROVED)
        mesh.wait(approved, until="waiting", timeout=timeout)
        approve = links(wait_for(mesh.approval_emails, APPROVED))["approve"]
        mesh.post_decision(approve, "approve", approver="owner@example.com")
        for execution in (shared, approved):
            mesh.wait(execution, timeout=timeout)
        _wait_until_revoked(mesh, SHARED, timeout)


def _request(table: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": {"database": "sales", "table": table},
        "target": {"account_id": CONSUMER_ACCOUNT},
        **extra,
    }


def _wait_until_revoked(mesh: OfflineMesh, request_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (mesh.ledger_record(request_id) or {}).get("status") != "REVOKED":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{request_id} was not revoked within {timeout}s")
        time.sleep(0.05)
