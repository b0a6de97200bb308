"""`lakegate audit requests` and `lakegate audit drift`: the ledger and Lake Formation on moto.

The records go through the ledger's own writes (create, then each transition) as the workflow
makes them, so the trail read back is the one a real request leaves.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from lakegate.core import manifest
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.workflow.grants import Grant
from lakegate_offline.mesh import REGION, create_ledger_table
from tests.cli.conftest import Cli

pytestmark = pytest.mark.integration

TABLE = "lakegate-audit-ledger"
PREFIX = "lakegate-user-"
CONSUMER = "444455556666"
JDOE = f"arn:aws:iam::{CONSUMER}:role/{PREFIX}jdoe"
ASMITH = f"arn:aws:iam::{CONSUMER}:role/{PREFIX}asmith"
OWNER = "arn:aws:sts::222222222222:assumed-role/DataOwner/pat"
NOW = datetime.now(UTC).replace(microsecond=0)


def request_fields(database: str, table: str, principal: str | None, columns: tuple[str, ...] = ()) -> dict:
    grant = {
        "principal": principal or CONSUMER,
        "resource": (
            {"TableWithColumns": {"DatabaseName": database, "Name": table, "ColumnNames": list(columns)}}
            if columns
            else {"Table": {"DatabaseName": database, "Name": table}}
        ),
        "permissions": ["SELECT"],
        "grantable": [] if principal else ["SELECT"],
    }
    return {
        "request": {
            "database": database,
            "table": table,
            "columns": list(columns),
            "consumer_account": CONSUMER,
            "principal": principal,
            "permissions": ["SELECT"],
            "requester": "jdoe@example.com" if principal == JDOE else "asmith@example.com",
            "justification": "Churn model features",
            "duration_days": None,
        },
        "item": f"{database}.{table}" + (f" (columns {', '.join(columns)})" if columns else ""),
        "consumer_account": CONSUMER,
        "data_owner": "222222222222",
        "_grant": grant,
    }


def approved_then_revoked(ledger: Ledger, request_id: str, fields: dict[str, Any], at: datetime) -> None:
    grant = fields.pop("_grant")
    ledger.create(request_id, fields, by="jdoe@example.com", reason="requested", now=at)
    ledger.transition(
        request_id, to=Status.PENDING_APPROVAL, by="lakegate",
        reason="sensitive: column sales.customers.email is flagged pii_flag", now=at + timedelta(seconds=5),
    )  # fmt: skip
    ledger.transition(
        request_id, to=Status.APPROVED, by=OWNER,
        reason="ok for the churn model", now=at + timedelta(hours=2),
        set_fields={"decided_by": OWNER, "decided_at": (at + timedelta(hours=2)).isoformat(),
                    "decision_comment": "ok for the churn model"},
    )  # fmt: skip
    ledger.transition(
        request_id, to=Status.GRANTED, by="lakegate", reason="granted",
        now=at + timedelta(hours=2, seconds=9), set_fields={"grants": [grant]},
    )  # fmt: skip
    ledger.transition(
        request_id, to=Status.REVOKED, by=OWNER, reason="project ended",
        now=at + timedelta(days=3),
        set_fields={"revoked_at": (at + timedelta(days=3)).isoformat(), "revoked_by": OWNER,
                    "revocation_reason": "project ended"},
    )  # fmt: skip


def auto_shared(ledger: Ledger, request_id: str, fields: dict[str, Any], at: datetime) -> None:
    grant = fields.pop("_grant")
    ledger.create(request_id, fields, by="asmith@example.com", reason="requested", now=at)
    ledger.transition(
        request_id, to=Status.GRANTED, by="lakegate",
        reason="nothing sensitive", now=at + timedelta(seconds=3), set_fields={"grants": [grant]},
    )  # fmt: skip


@pytest.fixture
def central(aws: None) -> Ledger:
    """The central settings parameter (with the role-name convention) and a ledger of three requests."""
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=manifest.CENTRAL_SETTINGS_PARAMETER,
        Type="String",
        Value=json.dumps(
            {
                "state_machine_arn": f"arn:aws:states:{REGION}:123456789012:stateMachine:lakegate",
                "ledger_table": TABLE,
                "decision_api_url": "https://decide.example.com/",
                "owner_decision_url": "https://owner.example.com/",
                "notification_topic_arn": f"arn:aws:sns:{REGION}:123456789012:consumers",
                "user_role_prefix": PREFIX,
            }
        ),
    )
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_ledger_table(dynamodb, TABLE)
    ledger = Ledger(TABLE, dynamodb=dynamodb)
    approved_then_revoked(
        ledger,
        "req-jdoe",
        request_fields("sales", "customers", JDOE, ("email", "tenure")),
        NOW - timedelta(days=40),
    )
    auto_shared(ledger, "req-asmith", request_fields("sales", "orders", ASMITH), NOW - timedelta(days=2))
    auto_shared(ledger, "req-account", request_fields("finance", "ledger", None), NOW - timedelta(days=1))
    return ledger


def test_the_trail_lists_every_change_the_approver_the_grant_and_its_revocation_as_csv(
    central: Ledger, cli: Cli
) -> None:
    result = cli("audit", "requests", "--format", "csv")

    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [row["request_id"] for row in rows] == ["req-jdoe", "req-asmith", "req-account"]  # oldest first
    jdoe = rows[0]
    start = NOW - timedelta(days=40)
    assert jdoe == {
        "request_id": "req-jdoe",
        "created_at": start.isoformat(),
        "status": "REVOKED",
        "requester": "jdoe@example.com (claimed, not verified)",
        "person": "jdoe",
        "grantee": JDOE,
        "consumer_account": CONSUMER,
        "database": "sales",
        "table": "customers",
        "columns": "email; tenure",
        "permissions": "SELECT",
        "justification": "Churn model features",
        "status_changes": "; ".join(
            [
                f"RECEIVED at {start.isoformat()} by jdoe@example.com",
                f"PENDING_APPROVAL at {(start + timedelta(seconds=5)).isoformat()} by lakegate",
                f"APPROVED at {(start + timedelta(hours=2)).isoformat()} by {OWNER}",
                f"GRANTED at {(start + timedelta(hours=2, seconds=9)).isoformat()} by lakegate",
                f"REVOKED at {(start + timedelta(days=3)).isoformat()} by {OWNER}",
            ]
        ),
        "approver": OWNER,
        "decided_at": (start + timedelta(hours=2)).isoformat(),
        "comment": "ok for the churn model",
        "grants": f"SELECT on columns email, tenure of table sales.customers to {JDOE}",
        "granted_at": (start + timedelta(hours=2, seconds=9)).isoformat(),
        "access_expires_at": "",
        "revoked_at": (start + timedelta(days=3)).isoformat(),
        "revoked_by": OWNER,
        "revocation_reason": "project ended",
    }
    assert rows[2]["grantee"] == CONSUMER
    assert rows[2]["person"] == ""


def test_the_json_evidence_keeps_status_changes_and_grants_as_records(central: Ledger, cli: Cli) -> None:
    result = cli("audit", "requests", "--format", "json", "--principal", "jdoe")

    document = json.loads(result.out)
    (jdoe,) = document["requests"]
    assert document["count"] == 1
    assert document["filters"]["principal"] == "jdoe"
    assert [change["status"] for change in jdoe["status_changes"]] == [
        "RECEIVED",
        "PENDING_APPROVAL",
        "APPROVED",
        "GRANTED",
        "REVOKED",
    ]
    assert jdoe["status_changes"][2] == {
        "status": "APPROVED",
        "at": (NOW - timedelta(days=40) + timedelta(hours=2)).isoformat(),
        "by": OWNER,
        "reason": "ok for the churn model",
    }
    assert [Grant.from_dict(grant).principal for grant in jdoe["grants"]] == [JDOE]
    assert jdoe["grants"][0]["resource"]["TableWithColumns"]["ColumnNames"] == ["email", "tenure"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--since", "30d"), ["req-asmith", "req-account"]),
        (("--database", "SALES"), ["req-jdoe", "req-asmith"]),
        (("--principal", ASMITH), ["req-asmith"]),
        (("--principal", CONSUMER), ["req-jdoe", "req-asmith", "req-account"]),
        (("--principal", "nobody"), []),
    ],
)
def test_filters_narrow_the_trail(
    central: Ledger, cli: Cli, options: tuple[str, ...], expected: list[str]
) -> None:
    result = cli("audit", "requests", *options, "--json")

    assert [row["request_id"] for row in json.loads(result.out)["requests"]] == expected


def test_the_table_names_the_person_and_a_bad_window_is_a_usage_error(central: Ledger, cli: Cli) -> None:
    table = cli("audit", "requests")
    bad = cli("audit", "requests", "--since", "a month")

    header, first, *_ = table.lines
    assert header.split() == [
        "REQUEST",
        "CREATED",
        "STATUS",
        "ITEM",
        "FOR",
        "APPROVER",
        "COMMENT",
        "GRANTED",
        "REVOKED",
    ]
    assert f"jdoe ({JDOE})" in first
    assert bad.code == 2
    assert "'a month' is not a duration: a whole number and d, h or m" in bad.err


def lake_formation_holds(principal: str, resource: dict[str, Any], permissions: list[str]) -> None:
    boto3.client("lakeformation", region_name=REGION).grant_permissions(
        Principal={"DataLakePrincipalIdentifier": principal}, Resource=resource, Permissions=permissions
    )


def test_drift_lists_grants_made_outside_the_workflow_and_recorded_grants_that_are_gone(
    central: Ledger, cli: Cli
) -> None:
    orders = {"Table": {"DatabaseName": "sales", "Name": "orders"}}
    lake_formation_holds(ASMITH, orders, ["SELECT"])  # recorded, in force: no drift
    lake_formation_holds(ASMITH, {"Table": {"DatabaseName": "sales", "Name": "customers"}}, ["SELECT"])
    lake_formation_holds(
        JDOE,  # left behind: its request was revoked
        {
            "TableWithColumns": {
                "DatabaseName": "sales",
                "Name": "customers",
                "ColumnNames": ["tenure", "email"],
            }
        },
        ["SELECT"],
    )
    lake_formation_holds(f"arn:aws:iam::{CONSUMER}:role/etl", orders, ["SELECT"])  # not lakegate's principal
    # req-account's SELECT on finance.ledger to the consumer account is not in Lake Formation: missing.

    result = cli("audit", "drift", "--format", "json")

    assert result.code == 1  # drift found: a scheduled check can alert on the exit code
    assert json.loads(result.out)["drift"] == [
        {
            "drift": "outside the workflow",
            "principal": ASMITH,
            "person": "asmith",
            "permission": "SELECT",
            "resource": "table sales.customers",
            "request_id": None,
        },
        {
            "drift": "outside the workflow",
            "principal": JDOE,
            "person": "jdoe",
            "permission": "SELECT",
            "resource": "columns email, tenure of table sales.customers",
            "request_id": "req-jdoe",
        },
        {
            "drift": "missing",
            "principal": CONSUMER,
            "person": None,
            "permission": "SELECT",
            "resource": "table finance.ledger",
            "request_id": "req-account",
        },
    ]


def test_no_drift_is_said_plainly_and_exits_zero(central: Ledger, cli: Cli) -> None:
    lake_formation_holds(ASMITH, {"Table": {"DatabaseName": "sales", "Name": "orders"}}, ["SELECT"])
    lake_formation_holds(CONSUMER, {"Table": {"DatabaseName": "finance", "Name": "ledger"}}, ["SELECT"])

    result = cli("audit", "drift")

    assert (result.code, result.out.strip()) == (
        0,
        "No drift: Lake Formation holds exactly the grants the ledger has in force.",
    )
