"""Offline demo: the real workflow on moto, from a consumer's request to the grant.

Run with ``python -m lakegate_offline.demo``. It builds the three accounts in memory, loads a sample
catalog, and walks through an auto-shared request, an approved one (through the email's link
and confirmation page), a denied one and an invalid one, then prints the ledger.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import uuid
from typing import Any

from lakegate_offline.mesh import (
    CENTRAL_ACCOUNT,
    CONSUMER_ACCOUNT,
    PRODUCER_ACCOUNT,
    OfflineMesh,
    offline_mesh,
)
from lakegate_offline.sample_catalog import load_sample_catalog


def say(text: str = "") -> None:
    print(text, flush=True)


def link(email: dict[str, Any], label: str) -> str:
    body: str = email["body"]
    return next(line.split()[-1] for line in body.splitlines() if line.startswith(f"{label}:"))


def show_grants(mesh: OfflineMesh) -> None:
    for entry in mesh.client("lakeformation").list_permissions()["PrincipalResourcePermissions"]:
        say(
            f"    {entry['Principal']['DataLakePrincipalIdentifier']}: {', '.join(entry['Permissions'])} "
            f"on {json.dumps(entry['Resource'])}"
        )


def step(mesh: OfflineMesh, title: str, request: dict[str, Any]) -> tuple[str, str]:
    request_id = f"demo-{uuid.uuid4().hex[:8]}"
    say(f"\n== {title}")
    say(f"   execution input: {json.dumps(request)}")
    return request_id, mesh.start(request, request_id)


def finish(mesh: OfflineMesh, execution: str) -> None:
    result = mesh.wait(execution)
    if result["status"] == "SUCCEEDED":
        say(f"   execution SUCCEEDED, output status: {json.loads(result['output'])['status']}")
    else:
        say(f"   execution {result['status']}: {result.get('error')}: {result.get('cause')}")


def run_demo() -> None:
    with offline_mesh() as mesh:
        say(f"Accounts: central {CENTRAL_ACCOUNT}, producer {PRODUCER_ACCOUNT}, consumer {CONSUMER_ACCOUNT}")
        say(f"State machine: {mesh.state_machine_arn}")
        load_sample_catalog(mesh.client("glue"), producer_account=PRODUCER_ACCOUNT)
        say(
            "Sample catalog: sales (nothing flagged), "
            "customers (pii_flag on columns, a table, a partition key)"
        )

        _, execution = step(
            mesh,
            "1. A table with nothing sensitive is shared at once",
            {"source": {"database": "sales", "table": "orders"}, "target": {"account_id": CONSUMER_ACCOUNT}},
        )
        finish(mesh, execution)

        request_id, execution = step(
            mesh,
            "2. Columns including PII need the owner's approval",
            {
                "source": {"database": "customers", "table": "profiles", "columns": ["customer_id", "email"]},
                "target": {
                    "account_id": CONSUMER_ACCOUNT,
                    # alice's own role, by the mesh's per-user role convention: the email names her.
                    "principal": f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/lakegate-user-alice",
                },
                "requester": "alice@example.com",
                "justification": "churn model",
                "duration_days": 30,
            },
        )
        mesh.wait(execution, until="waiting")
        email = next(m for m in mesh.approval_emails() if request_id in m["body"])
        say(f"   email on {email['topic_arn']}:")
        say(f"   Subject: {email['subject']}")
        say("   " + email["body"].replace("\n", "\n   "))
        say("   (the links point at the decision API; here it runs in-process, as API Gateway would call it)")
        page = mesh.http("GET", link(email, "Approve"))
        say(
            f"   opening the Approve link shows a confirmation page (HTTP {page.status}); nothing decided yet"
        )
        decided = mesh.post_decision(link(email, "Approve"), "approve", approver="Pat Owner", comment="ok")
        say(f"   pressing Approve on it: HTTP {decided.status}")
        finish(mesh, execution)
        replay = mesh.post_decision(link(email, "Deny"), "deny")
        say(f"   using the Deny link afterwards: HTTP {replay.status} (already decided, nothing changes)")

        request_id, execution = step(
            mesh,
            "3. A whole database holding PII, denied by the owner",
            {"source": {"database": "customers", "table": "*"}, "target": {"account_id": CONSUMER_ACCOUNT}},
        )
        mesh.wait(execution, until="waiting")
        email = next(m for m in mesh.approval_emails() if request_id in m["body"])
        mesh.post_decision(
            link(email, "Deny"), "deny", approver="Pat Owner", comment="ask for columns instead"
        )
        finish(mesh, execution)

        _, execution = step(
            mesh,
            "4. An invalid request fails with a named error",
            {"source": {"database": "sales", "table": "orders"}, "target": {"account_id": "4444"}},
        )
        finish(mesh, execution)

        say("\n== Lake Formation grants now")
        show_grants(mesh)
        say("\n== Consumer notifications (status attribute)")
        for notice in mesh.consumer_notices():
            say(f"    {notice['attributes'].get('status')}: {notice['subject']}")
        say("\n== Ledger")
        items = mesh.client("dynamodb").scan(TableName=mesh.ledger_table)["Items"]
        for item in sorted(items, key=lambda item: item["created_at"]["S"]):
            record = mesh.ledger_record(item["request_id"]["S"]) or {}
            person = f" (for {record['person']})" if record.get("person") else ""
            say(f"    {record['request_id']}: {record['status']}{person}")
            for entry in record.get("history", []):
                say(f"        {entry['at']} {entry['status']:<16} by {entry['by']}: {entry['reason']}")


def main() -> int:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "offline",
        "AWS_SECRET_ACCESS_KEY": "offline",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    for name in ("AWS_PROFILE", "MOTO_ACCOUNT_ID", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    # moto logs every failed execution at ERROR with its internals; the demo prints the outcome itself.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    run_demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
