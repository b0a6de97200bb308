"""Retried steps and a refused status event, through the functions' own handlers.

Step Functions retries a step that failed after it wrote to the ledger, so a step meets its own earlier
write; and EventBridge can refuse a status event, which then stays on the record for the next attempt.
These paths read and update the ledger where the first attempt only wrote, and a revocation racing a
grant grants again, so they are what shows the IAM coverage check that those permissions are needed.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lakegate.core import manifest
from lakegate.ledger.store import UNPUBLISHED_EVENTS, Ledger
from lakegate.workflow.grant_access import grant_access
from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.in_process_lambda import Handler, LambdaContext, load_handler
from lakegate_offline.mesh import (
    CENTRAL_ACCOUNT,
    CONSUMER_ACCOUNT,
    PRODUCER_ACCOUNT,
    REGION,
    create_ledger_table,
)
from tests.conftest import LEDGER_TABLE
from tests.support.ledger_records import NOW, evaluated_fields

pytestmark = pytest.mark.integration

BUS = "lakegate"
REQUEST = {
    "request_id": "req-retried",
    "input": {"source": {"database": "sales", "table": "orders"}, "target": {"account_id": CONSUMER_ACCOUNT}},
}


@pytest.fixture
def ledger(dynamodb: Any) -> Ledger:
    """The ledger, the status-event bus and a catalog with one table nothing flags."""
    create_ledger_table(dynamodb, LEDGER_TABLE)
    boto3.client("events", region_name=REGION).create_event_bus(Name=BUS)
    glue = boto3.client("glue", region_name=REGION)
    create_database(glue, "sales", data_owner=PRODUCER_ACCOUNT)
    create_table(glue, "sales", "orders", columns=["order_id"])
    return Ledger(LEDGER_TABLE, dynamodb=dynamodb)


def handler(key: str, **settings: str) -> Handler:
    """The function's handler, loaded with the settings its spec names (``settings`` override them)."""
    values = {
        manifest.LEDGER_TABLE_NAME: LEDGER_TABLE,
        manifest.EVENT_BUS_NAME: BUS,
        manifest.APPROVAL_TIMEOUT_SECONDS: "3600",
        manifest.USER_ROLE_PREFIX: "",
        manifest.CENTRAL_ACCOUNT_ID: CENTRAL_ACCOUNT,
        manifest.CONSUMER_ACCOUNT_IDS: CONSUMER_ACCOUNT,
        manifest.PRODUCER_ACCOUNT_IDS: PRODUCER_ACCOUNT,
        manifest.REQUESTER_KEY_ID: "alias/not-used-without-a-proof",
        **settings,
    }
    spec = manifest.FUNCTIONS_BY_KEY[key]
    environment = {name: values[name] for name in spec.environment}
    return load_handler(spec.handler, {**environment, "AWS_REGION": REGION})


def test_a_retried_evaluation_finds_its_own_record_and_records_nothing_twice(
    ledger: Ledger, lambda_context: LambdaContext
) -> None:
    evaluate = handler("evaluate_request")

    first = evaluate(REQUEST, lambda_context)
    again = evaluate(REQUEST, lambda_context)

    assert again == first
    assert [entry["status"] for entry in ledger.require("req-retried")["history"]] == ["RECEIVED"]


def test_a_status_event_the_bus_refuses_stays_on_the_record_for_the_retried_step(
    ledger: Ledger, lambda_context: LambdaContext
) -> None:
    evaluate = handler("evaluate_request", EVENT_BUS_NAME="no-such-bus")

    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        evaluate(REQUEST, lambda_context)

    (kept,) = ledger.require("req-retried")[UNPUBLISHED_EVENTS]
    assert json.loads(kept)["status"] == "RECEIVED"


def test_a_retried_failure_finds_the_failure_already_recorded(
    ledger: Ledger, lambda_context: LambdaContext
) -> None:
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="notices")["TopicArn"]
    record_failure = handler("record_failure", NOTIFICATION_TOPIC_ARN=topic)
    failure = {"request_id": "req-retried", "failure": {"Error": "CatalogItemNotFound", "Cause": "no table"}}

    first = record_failure(failure, lambda_context)
    again = record_failure(failure, lambda_context)

    assert (
        again == first == {"request_id": "req-retried", "error": "CatalogItemNotFound", "cause": "no table"}
    )
    assert ledger.require("req-retried")["status"] == "FAILED"


def test_a_revocation_that_missed_a_request_granted_meanwhile_grants_it_again(
    ledger: Ledger, lambda_context: LambdaContext
) -> None:
    # GIVEN r1 granted the table, and r2 (the same access) granted right after the revocation of r1
    # read who else holds it: the hook runs once, after the first ledger Scan of the clients loaded next
    lakeformation = boto3.client("lakeformation", region_name=REGION)
    for request_id in ("r1", "r2"):
        fields = evaluated_fields("sales", "orders", sensitive=False)
        ledger.create(request_id, fields, by="alice", reason="asked", now=NOW)
    grant_access({"request_id": "r1"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    pending = [
        lambda: grant_access({"request_id": "r2"}, ledger=ledger, lakeformation=lakeformation, now=NOW)
    ]

    def grant_r2_once(**_: Any) -> None:
        if pending:
            pending.pop()()

    session = boto3.setup_default_session(region_name=REGION) or boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register("after-call.dynamodb.Scan", grant_r2_once)
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="notices")["TopicArn"]
    revoke = handler("revoke_access", NOTIFICATION_TOPIC_ARN=topic)

    # WHEN the revoke function revokes r1
    result = revoke({"request_id": "r1", "by": "sam", "reason": "done"}, lambda_context)

    # THEN it removed the table, saw r2 granted since, and granted r2's part again
    assert not pending and result["removed"] == ["SELECT, DESCRIBE on table sales.orders to 444455556666"]
    assert (ledger.require("r1")["status"], ledger.require("r2")["status"]) == ("REVOKED", "GRANTED")
    assert [
        entry["Resource"] for entry in lakeformation.list_permissions()["PrincipalResourcePermissions"]
    ] == [{"Table": {"DatabaseName": "sales", "Name": "orders"}}]
