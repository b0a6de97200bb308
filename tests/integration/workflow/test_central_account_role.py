"""A person's own role in the central account: asked for with the central account as the consumer.

The request names the central account as ``target.account_id`` with the role as ``target.principal``
(the central account receives access only through a named role); Lake Formation grants within its own
account (no AWS RAM share is involved), and the outcome goes to the notification topic like any other.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from lakegate.ledger.store import Ledger
from lakegate.workflow.conclude_request import conclude_request
from lakegate.workflow.consumer_notice import ConsumerNotifier
from lakegate.workflow.evaluate_request import evaluate_request
from lakegate.workflow.grant_access import grant_access
from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.mesh import CENTRAL_ACCOUNT, REGION
from tests.conftest import new_requester_key
from tests.support.ledger_records import NOW, PRODUCER
from tests.support.mesh_members import MESH
from tests.support.topic_capture import captured_topic, published

pytestmark = pytest.mark.integration
JDOE = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/lakegate-user-jdoe"


def test_a_central_account_users_own_role_is_granted_its_columns_and_told(
    glue: Any, lakeformation: Any, ledger: Ledger
) -> None:
    # GIVEN a table with one PII column, and jdoe's own role in the central account asking for the other
    create_database(glue, "customers", data_owner=PRODUCER)
    create_table(glue, "customers", "profiles", columns=["id", ("email", {"pii_flag": "true"})])
    request = {
        "source": {"database": "customers", "table": "profiles", "columns": ["id"]},
        "target": {"account_id": CENTRAL_ACCOUNT, "principal": JDOE},
    }
    topic = captured_topic("consumer-notifications")
    notifier = ConsumerNotifier(topic["topic_arn"], sns=boto3.client("sns", region_name=REGION))

    # WHEN the workflow's steps run: evaluate (not sensitive), grant, conclude
    state = evaluate_request(
        {"request_id": "r1", "input": request},
        glue=glue,
        ledger=ledger,
        mesh=MESH,
        requester_key=new_requester_key(),
        approval_timeout_seconds=3600,
        user_role_prefix="lakegate-user-",
        now=NOW,
    )
    assert state["evaluation"]["sensitive"] is False
    grant = grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    outcome = conclude_request({**state, "grant": grant}, ledger=ledger, notifier=notifier, now=NOW)

    # THEN the role holds SELECT on that column, without grant option, in the central account's Lake
    # Formation; the ledger names jdoe; the notice goes out for the central account
    assert outcome["status"] == "GRANTED"
    assert [
        {key: entry[key] for key in ("Principal", "Resource", "Permissions", "PermissionsWithGrantOption")}
        for entry in lakeformation.list_permissions()["PrincipalResourcePermissions"]
    ] == [
        {
            "Principal": {"DataLakePrincipalIdentifier": JDOE},
            "Resource": {
                "TableWithColumns": {"DatabaseName": "customers", "Name": "profiles", "ColumnNames": ["id"]}
            },
            "Permissions": ["SELECT"],
            "PermissionsWithGrantOption": [],
        }
    ]
    record = ledger.require("r1")
    assert (record["status"], record["consumer_account"], record["person"]) == (
        "GRANTED",
        CENTRAL_ACCOUNT,
        "jdoe",
    )
    (notice,) = published(topic)
    assert notice["MessageAttributes"]["consumer_account"]["Value"] == CENTRAL_ACCOUNT
    body = json.loads(notice["Message"])
    assert (body["principal"], body["person"]) == (JDOE, "jdoe")
