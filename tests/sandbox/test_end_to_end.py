"""A person's whole path through the sandbox: request with the CLI, approve on the page, find the grant."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

import pytest

from tests.sandbox.conftest import ROOT, RunningSandbox

pytestmark = pytest.mark.sandbox


def lakegate(
    sandbox: RunningSandbox, *arguments: str, **credentials: str
) -> subprocess.CompletedProcess[str]:
    """Run the `lakegate` command against the sandbox, as a user's shell would."""
    environment = sandbox.environment()
    if credentials:
        environment["AWS_ACCESS_KEY_ID"] = credentials["aws_access_key_id"]
        environment["AWS_SECRET_ACCESS_KEY"] = credentials["aws_secret_access_key"]
    return subprocess.run(
        [sys.executable, "-m", "lakegate_cli", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def message_about(
    sandbox: RunningSandbox, request_id: str, kind: str, timeout: float = 20.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sandbox.outbox():
            if message["kind"] == kind and request_id in message["body"]:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no {kind} about {request_id} in the outbox")


def link(email: dict[str, Any], label: str) -> str:
    return next(line.split()[-1] for line in email["body"].splitlines() if line.startswith(f"{label}:"))


def status_of(sandbox: RunningSandbox, request_id: str) -> dict[str, Any]:
    completed = lakegate(sandbox, "status", request_id, "--json")
    assert completed.returncode == 0, completed.stderr
    return dict(json.loads(completed.stdout))


def wait_for_status(
    sandbox: RunningSandbox, request_id: str, wanted: str, timeout: float = 30.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = status_of(sandbox, request_id)
        if record["status"] == wanted:
            return record
        time.sleep(0.3)
    raise AssertionError(f"{request_id} never became {wanted}")


def test_a_sensitive_request_approved_through_the_page_is_granted_and_the_consumer_told(
    sandbox: RunningSandbox,
) -> None:
    consumer = sandbox.info["accounts"]["consumer"]
    # GIVEN a consumer asks, with the CLI, for two columns of a table holding PII
    columns = ("--columns", "customer_id,email")
    started = lakegate(
        sandbox, "request", "--database", "customers", "--table", "profiles", *columns,
        "--consumer", consumer, "--justification", "churn model", "--json",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    request_id = json.loads(started.stdout)["request_id"]

    # WHEN the owner opens the Approve link from the email and presses Approve on the page
    email = message_about(sandbox, request_id, "approval email")
    assert email["topic_arn"] == sandbox.info["approval_topic_arn"]
    with urllib.request.urlopen(link(email, "Approve"), timeout=10) as response:
        page = response.read().decode("utf-8")
    assert "column customers.profiles.email is flagged pii_flag" in page
    secret = re.search(r'name="secret" value="([^"]+)"', page)
    assert secret is not None
    form = urllib.parse.urlencode(
        {"secret": secret.group(1), "action": "approve", "approver": "Pat"}
    ).encode()
    target = urllib.parse.urljoin(link(email, "Approve"), f"/requests/{request_id}")
    with urllib.request.urlopen(
        urllib.request.Request(target, data=form, method="POST"), timeout=10
    ) as response:
        assert response.status == 200
        assert "Access approved" in response.read().decode("utf-8")

    # THEN the grant exists in Lake Formation and the consumer was notified
    record = wait_for_status(sandbox, request_id, "GRANTED")
    assert record["decided_by"] == "Pat (email link)"
    permissions = sandbox.client("lakeformation").list_permissions()["PrincipalResourcePermissions"]
    granted = [
        (entry["Principal"]["DataLakePrincipalIdentifier"], entry["Resource"]) for entry in permissions
    ]
    columns_resource = {
        "DatabaseName": "customers",
        "Name": "profiles",
        "ColumnNames": ["customer_id", "email"],
    }
    assert (consumer, {"TableWithColumns": columns_resource}) in granted
    notice = message_about(sandbox, request_id, "consumer notice")
    assert notice["attributes"]["status"] == "GRANTED"
    assert notice["attributes"]["consumer_account"] == consumer


def test_an_owner_denies_from_the_terminal_with_their_aws_identity(sandbox: RunningSandbox) -> None:
    consumer = sandbox.info["accounts"]["consumer"]
    started = lakegate(
        sandbox, "request", "--database", "customers", "--table", "payments", "--consumer", consumer, "--json"
    )
    assert started.returncode == 0, started.stderr
    request_id = json.loads(started.stdout)["request_id"]
    message_about(sandbox, request_id, "approval email")

    # A consumer's credentials cannot decide; the producer's data owner can.
    refused = lakegate(sandbox, "deny", request_id, "--comment", "no")
    assert refused.returncode != 0
    assert len(refused.stderr.strip().splitlines()) == 1
    denied = lakegate(
        sandbox,
        "deny",
        request_id,
        "--comment",
        "use the aggregated table",
        **sandbox.info["owner_credentials"],
    )
    assert denied.returncode == 0, denied.stderr

    record = wait_for_status(sandbox, request_id, "DENIED")
    assert record["decided_by"].startswith("arn:aws:iam::222222222222:user/data-owner")
    assert record["decision_comment"] == "use the aggregated table"
    assert message_about(sandbox, request_id, "consumer notice")["attributes"]["status"] == "DENIED"


def test_an_owner_revokes_a_grant_and_the_consumer_can_ask_again(sandbox: RunningSandbox) -> None:
    consumer = sandbox.info["accounts"]["consumer"]
    principal = f"arn:aws:iam::{consumer}:role/Revocable"
    asked = ("request", "--database", "sales", "--table", "products", "--consumer", consumer,
             "--principal", principal, "--wait", "--json")  # fmt: skip
    first = lakegate(sandbox, *asked)
    assert first.returncode == 0, first.stderr
    request_id = json.loads(first.stdout)["request_id"]
    assert status_of(sandbox, request_id)["status"] == "GRANTED"

    # The owner revokes it; a second revocation changes nothing and says so.
    owner = sandbox.info["owner_credentials"]
    revoked = lakegate(sandbox, "revoke", request_id, "--comment", "project ended", **owner)
    assert revoked.returncode == 0, revoked.stderr
    assert "REVOKED by arn:aws:iam::222222222222:user/data-owner" in revoked.stdout
    again = lakegate(sandbox, "revoke", request_id, **owner)
    assert again.returncode == 0 and "already revoked" in again.stdout

    record = status_of(sandbox, request_id)
    assert (record["status"], record["revocation_reason"]) == ("REVOKED", "project ended")
    permissions = sandbox.client("lakeformation").list_permissions()["PrincipalResourcePermissions"]
    assert principal not in [entry["Principal"]["DataLakePrincipalIdentifier"] for entry in permissions]
    assert message_about(sandbox, request_id, "consumer notice")["attributes"]["status"] in (
        "GRANTED",
        "REVOKED",
    )

    # Asking again starts a new request, granted like the first.
    second = lakegate(sandbox, *asked)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["request_id"] == f"{request_id}-2"
    assert status_of(sandbox, f"{request_id}-2")["status"] == "GRANTED"
