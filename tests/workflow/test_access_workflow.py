"""The deployed state machine definition, run end to end on moto with the project's handlers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lakegate_offline.catalog_builder import create_table
from lakegate_offline.mesh import CENTRAL_ACCOUNT, CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, OfflineMesh
from tests.support.status_event_schema import assert_conforms
from tests.support.typed_records import assert_typed_record
from tests.workflow.conftest import OUTSIDER, PII, event, links, wait_for

pytestmark = pytest.mark.workflow
ROLE = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/ChurnStudy"


def request(database: str, table: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": {"database": database, "table": table},
        "target": {"account_id": CONSUMER_ACCOUNT},
        **extra,
    }


def grants_to(mesh: OfflineMesh, principal: str) -> list[dict[str, Any]]:
    entries = mesh.client("lakeformation").list_permissions()["PrincipalResourcePermissions"]
    return [
        {"Resource": entry["Resource"], "Permissions": entry["Permissions"]}
        for entry in entries
        if entry["Principal"]["DataLakePrincipalIdentifier"] == principal
    ]


def granted_on(mesh: OfflineMesh, principal: str, database: str) -> bool:
    return any(database in json.dumps(grant["Resource"]) for grant in grants_to(mesh, principal))


def output(execution: dict[str, Any]) -> dict[str, Any]:
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    return json.loads(execution["output"])


@pytest.mark.parametrize(
    ("input_event", "expected_resource"),
    [
        ("console_database_request", {"Table": {"DatabaseName": "sales", "TableWildcard": {}}}),
        ("console_table_request", {"Table": {"DatabaseName": "sales", "Name": "orders"}}),
        (
            "console_full_request",
            {
                "TableWithColumns": {
                    "DatabaseName": "sales",
                    "Name": "orders",
                    "ColumnNames": ["order_id", "amount"],
                }
            },
        ),
    ],
)
def test_a_non_sensitive_request_is_shared_at_once_and_the_consumer_told(
    mesh: OfflineMesh, request_id: str, input_event: str, expected_resource: dict[str, Any]
) -> None:
    body = event(input_event)
    result = output(mesh.run(body, request_id))
    assert result["status"] == "GRANTED"
    grantee = body["target"].get("principal", CONSUMER_ACCOUNT)
    assert expected_resource in [grant["Resource"] for grant in grants_to(mesh, grantee)]
    notice = wait_for(mesh.consumer_notices, request_id)
    assert notice["attributes"] == {
        "status": "GRANTED",
        "consumer_account": CONSUMER_ACCOUNT,
        "database": "sales",
    }
    assert json.loads(notice["body"])["grants"] == result["grants"]


@pytest.mark.parametrize(
    ("database", "table", "reason"),
    [
        ("flagged_db", "events", "database flagged_db is flagged pii_flag"),
        ("table_flag", "accounts", "table table_flag.accounts is flagged pii_flag"),
        ("column_flag", "*", "column column_flag.profiles.email is flagged pii_flag"),
        ("partition_flag", "visits", "partition key partition_flag.visits.ip_address is flagged pii_flag"),
        ("caps_flag", "people", "column caps_flag.people.ssn is flagged pii_flag"),
    ],
)
def test_a_flag_at_any_level_asks_the_owner_on_the_producers_topic(
    mesh: OfflineMesh, request_id: str, database: str, table: str, reason: str
) -> None:
    execution = mesh.start(request(database, table), request_id)
    assert mesh.wait(execution, until="waiting")["status"] == "RUNNING"
    email = wait_for(mesh.approval_emails, request_id)
    assert email["topic_arn"] == f"arn:aws:sns:us-east-1:{PRODUCER_ACCOUNT}:DataLakeSharingApproval"
    assert f"  - {reason}" in email["body"]
    assert not granted_on(mesh, CONSUMER_ACCOUNT, database)
    # Close it so the execution ends: the owner denies.
    mesh.post_decision(links(email)["deny"], "deny")
    assert output(mesh.wait(execution))["status"] == "DENIED"


def test_an_approved_column_request_is_granted_to_the_role_and_the_consumer_told(
    mesh: OfflineMesh, request_id: str
) -> None:
    # GIVEN a request for a PII column, for one role of the consumer account
    body = {
        **request("column_flag", "profiles"),
        "target": {"account_id": CONSUMER_ACCOUNT, "principal": ROLE},
    }
    body["source"]["columns"] = ["id", "email"]
    execution = mesh.start(body, request_id)
    mesh.wait(execution, until="waiting")
    approve = links(wait_for(mesh.approval_emails, request_id))["approve"]

    # WHEN the owner opens the link, reads the page and presses Approve
    page = mesh.http("GET", approve)
    assert page.status == 200 and "column column_flag.profiles.email is flagged pii_flag" in page.body
    assert grants_to(mesh, ROLE) == []  # opening the link decided nothing
    decided = mesh.post_decision(approve, "approve", approver="Pat Owner", comment="approved for churn study")
    assert decided.status == 200

    # THEN exactly those columns are granted to the role, the ledger says who, the consumer hears
    result = output(mesh.wait(execution))
    assert result["status"] == "GRANTED"
    assert result["decided_by"] == "Pat Owner (email link)"
    assert grants_to(mesh, ROLE) == [
        {
            "Resource": {
                "TableWithColumns": {
                    "DatabaseName": "column_flag",
                    "Name": "profiles",
                    "ColumnNames": ["id", "email"],
                }
            },
            "Permissions": ["SELECT"],
        }
    ]
    record = mesh.ledger_record(request_id)
    assert record is not None
    assert_typed_record(record)
    assert [entry["status"] for entry in record["history"]] == [
        "RECEIVED",
        "PENDING_APPROVAL",
        "APPROVED",
        "GRANTED",
    ]
    assert record["history"][2]["by"] == "Pat Owner (email link)"
    assert record["history"][2]["reason"] == "approved for churn study"
    notice = wait_for(mesh.consumer_notices, request_id)
    assert notice["attributes"]["status"] == "GRANTED"
    assert json.loads(notice["body"])["decision_comment"] == "approved for churn study"


def test_two_peoples_own_roles_are_each_granted_only_their_own_columns_and_named(mesh: OfflineMesh) -> None:
    # GIVEN a table flagged pii_flag, and two people of one consumer account, each with their own role
    create_table(
        mesh.client("glue"),
        "table_flag",
        "contacts",
        columns=["id", "email", "phone", "country"],
        parameters=PII,
    )
    asked = {
        "jdoe": (f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/lakegate-user-jdoe", ["id", "email"]),
        "asmith": (f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/lakegate-user-asmith", ["country", "phone"]),
    }
    executions = {}
    for person, (role, columns) in asked.items():
        body = {
            "source": {"database": "table_flag", "table": "contacts", "columns": columns},
            "target": {"account_id": CONSUMER_ACCOUNT, "principal": role},
        }
        executions[person] = mesh.start(body, f"req-{person}-contacts")

    # WHEN the owner, whose emails name each person next to their role, approves both
    inbox: list[dict[str, Any]] = []  # reading the inbox empties it: keep both emails

    def emails() -> list[dict[str, Any]]:
        inbox.extend(mesh.approval_emails())
        return inbox

    for person, execution in executions.items():
        mesh.wait(execution, until="waiting")
        email = wait_for(emails, f"req-{person}-contacts")
        assert f"For:               {person} (role {asked[person][0]})" in email["body"].splitlines()
        assert mesh.post_decision(links(email)["approve"], "approve", approver="Pat Owner").status == 200

    # THEN each role holds SELECT on exactly its own columns, and the ledger and events name each person
    for person, execution in executions.items():
        request_id = f"req-{person}-contacts"
        assert output(mesh.wait(execution))["status"] == "GRANTED"
        role, columns = asked[person]
        assert grants_to(mesh, role) == [
            {
                "Resource": {
                    "TableWithColumns": {
                        "DatabaseName": "table_flag",
                        "Name": "contacts",
                        "ColumnNames": columns,
                    }
                },
                "Permissions": ["SELECT"],
            }
        ]
        record = mesh.ledger_record(request_id)
        assert record is not None and (record["status"], record["person"]) == ("GRANTED", person)
        events = mesh.status_events(request_id)
        assert [event["detail"]["status"] for event in events] == [
            "RECEIVED",
            "PENDING_APPROVAL",
            "APPROVED",
            "GRANTED",
        ]
        for status_event in events:
            assert_conforms(status_event)
            assert status_event["detail"]["person"] == person


def test_a_denied_request_grants_nothing_and_ends_denied(mesh: OfflineMesh, request_id: str) -> None:
    execution = mesh.start(request("table_flag", "accounts"), request_id)
    mesh.wait(execution, until="waiting")
    deny = links(wait_for(mesh.approval_emails, request_id))["deny"]
    mesh.post_decision(deny, "deny", approver="Pat", comment="not without a DPIA")
    result = output(mesh.wait(execution))
    assert result["status"] == "DENIED"
    assert result["decision_comment"] == "not without a DPIA"
    assert not granted_on(mesh, CONSUMER_ACCOUNT, "table_flag")
    assert wait_for(mesh.consumer_notices, request_id)["attributes"]["status"] == "DENIED"
    record = mesh.ledger_record(request_id)
    assert record is not None and record["status"] == "DENIED" and record["consumer_notified_at"]
    assert_typed_record(record)


def test_replayed_and_tampered_links_take_no_decision(mesh: OfflineMesh, request_id: str) -> None:
    execution = mesh.start(request("caps_flag", "people"), request_id)
    mesh.wait(execution, until="waiting")
    email_links = links(wait_for(mesh.approval_emails, request_id))
    tampered = email_links["deny"].replace("secret=", "secret=x")
    assert mesh.post_decision(tampered, "deny").status == 403
    assert mesh.ledger_record(request_id)["status"] == "PENDING_APPROVAL"  # type: ignore[index]

    assert mesh.post_decision(email_links["approve"], "approve").status == 200
    assert output(mesh.wait(execution))["status"] == "GRANTED"
    replay = mesh.post_decision(email_links["deny"], "deny")
    assert replay.status == 409
    assert "Access approved and granted" in replay.body
    assert mesh.ledger_record(request_id)["status"] == "GRANTED"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "error", "cause"),
    [
        (
            request("sales", "orders", permissions=["DROP"]),
            "InvalidRequest",
            "permissions[0]: 'DROP' is not allowed; choose from SELECT, DESCRIBE",
        ),
        (
            {"source": {"database": "sales", "table": "orders"}, "target": {"account_id": "4444"}},
            "InvalidRequest",
            "target.account_id: '4444' is not a 12-digit AWS account id (write it as a string)",
        ),
        (["sales", "orders"], "InvalidRequest", "the request: must be a JSON object, got list"),
        ("sales.orders", "InvalidRequest", "the request: must be a JSON object, got str"),
        (None, "InvalidRequest", "the request: is required"),
        (
            {"source": {"database": "sales", "table": "orders"}, "target": {"account_id": OUTSIDER}},
            "InvalidRequest",
            f"target.account_id: account {OUTSIDER} is not a consumer of this mesh; a platform administrator "
            "adds it to the central stack's consumer_account_ids context and deploys it",
        ),
        (
            {"source": {"database": "sales", "table": "orders"}, "target": {"account_id": CENTRAL_ACCOUNT}},
            "InvalidRequest",
            f"target.principal: account {CENTRAL_ACCOUNT} is the central catalog account, which receives "
            "access only through a named role; give target.principal, a role ARN of that account",
        ),
        (
            request("foreign", "listings"),
            "DataOwnerInvalid",
            f"database foreign has data_owner={OUTSIDER}, which is not a producer of this mesh; a platform "
            "administrator adds it to the central stack's producer_account_ids context (and deploys the "
            "producer stack there), or the producer corrects data_owner",
        ),
        (
            request("orphan", "things"),
            "DataOwnerMissing",
            "database orphan has no data_owner parameter; its producer must set it to the 12-digit "
            "account id that owns the data",
        ),
        (
            request("sales", "refunds"),
            "CatalogItemNotFound",
            "table sales.refunds is not in the Data Catalog; check the name and the catalog account",
        ),
    ],
)
def test_a_request_that_cannot_proceed_fails_with_a_named_error_recorded_in_the_ledger(
    mesh: OfflineMesh, request_id: str, body: Any, error: str, cause: str
) -> None:
    grants_before = mesh.client("lakeformation").list_permissions()["PrincipalResourcePermissions"]

    execution = mesh.run(body, request_id)

    assert mesh.client("lakeformation").list_permissions()["PrincipalResourcePermissions"] == grants_before
    assert (execution["status"], execution.get("error"), execution.get("cause")) == ("FAILED", error, cause)
    record = mesh.ledger_record(request_id)
    assert record is not None
    assert (record["status"], record["error"], record["cause"]) == ("FAILED", error, cause)
    assert_typed_record(record)
    notice = wait_for(mesh.consumer_notices, request_id)
    assert notice["attributes"]["status"] == "FAILED"
