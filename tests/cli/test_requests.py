"""`lakegate request`, `status` and `list` run for real against the offline mesh (moto, real ASL)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.requests.names import request_name
from lakegate_cli.request import validate
from lakegate_offline.http_api import http_api_event
from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, OfflineMesh
from tests.cli.conftest import Cli, eventually

pytestmark = pytest.mark.integration
ROLE = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Analyst"
CALLER = "arn:aws:sts::123456789012:user/moto"  # moto's identity for the dummy credentials
OWNER_ARN = f"arn:aws:sts::{PRODUCER_ACCOUNT}:assumed-role/Owner/pat"


def request_id_for(*options: str) -> str:
    """The id the CLI derives for ``lakegate request OPTIONS`` (as it names the execution)."""
    values = dict(zip(options[::2], options[1::2], strict=True))
    payload: dict[str, Any] = {
        "source": {"database": values["--database"], "table": values.get("--table", "*")},
        "target": {"account_id": values["--consumer"], "principal": values.get("--principal")},
    }
    if "--columns" in values:
        payload["source"]["columns"] = values["--columns"].split(",")
    if "--duration-days" in values:
        payload["duration_days"] = int(values["--duration-days"])
    return request_name(validate(payload))


def executions_named(mesh: OfflineMesh, request_id: str) -> list[dict[str, Any]]:
    executions = mesh.client("stepfunctions").list_executions(stateMachineArn=mesh.state_machine_arn)[
        "executions"
    ]
    return [execution for execution in executions if execution["name"] == request_id]


def emails_about(mesh: OfflineMesh, request_id: str) -> list[dict[str, Any]]:
    return [email for email in mesh.approval_emails() if request_id in email["body"]]


def status_of(mesh: OfflineMesh, request_id: str) -> str | None:
    record = mesh.ledger_record(request_id)
    return record["status"] if record else None


def owner_decides(mesh: OfflineMesh, request_id: str, action: str, comment: str) -> dict[str, Any]:
    """What `lakegate approve` does in AWS: API Gateway's IAM authorization, then the decision function."""
    event = http_api_event(
        "POST",
        f"/owner/requests/{request_id}",
        body=json.dumps({"action": action, "comment": comment}),
        headers={"content-type": "application/json"},
        route_key="POST /owner/requests/{request_id}",
        iam_caller={
            "accountId": PRODUCER_ACCOUNT,
            "userArn": OWNER_ARN,
            "callerId": "AROA:pat",
            "userId": "AROA:pat",
        },
    )
    payload, errored = mesh.lambdas.invoke(mesh.function_arns["decision_api"], event)
    assert not errored, payload
    return dict(payload)


# --- request ---------------------------------------------------------------------------------


def test_an_auto_shared_table_is_granted_while_the_cli_waits(mesh: OfflineMesh, cli: Cli) -> None:
    options = ("--database", "sales", "--table", "orders", "--consumer", CONSUMER_ACCOUNT)
    request_id = request_id_for(*options)

    result = cli("request", *options, "--wait")

    assert (result.code, result.err) == (0, "")
    assert re.fullmatch(r"sales-orders-[0-9a-f]{10}", request_id)
    assert result.lines[0] == (
        f"Started request {request_id}: sales.orders for {CONSUMER_ACCOUNT}. "
        f"Follow it with: lakegate status {request_id}"
    )
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d  RECEIVED \(by {CALLER} \(claimed\): "
        r"requested sales.orders; nothing in scope is flagged pii_flag\)",
        result.lines[1],
    )
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d  RECEIVED → GRANTED "
        rf"\(granted SELECT, DESCRIBE on table sales.orders to {CONSUMER_ACCOUNT}\)",
        result.lines[2],
    )
    assert result.lines[3:] == [f"GRANTED: SELECT, DESCRIBE on table sales.orders to {CONSUMER_ACCOUNT}"]
    assert status_of(mesh, request_id) == "GRANTED"


def test_the_same_pending_request_twice_starts_one_workflow_and_sends_one_email(
    mesh: OfflineMesh, cli: Cli
) -> None:
    options = ("--database", "customers", "--table", "profiles", "--consumer", CONSUMER_ACCOUNT)
    request_id = request_id_for(*options)

    first = cli("request", *options, "--justification", "churn study", "--json")
    eventually(lambda: status_of(mesh, request_id) == "PENDING_APPROVAL")
    second = cli("request", *options, "--justification", "same thing, other words")

    assert first.code == 0
    assert json.loads(first.out) == {
        "request_id": request_id,
        "started": True,
        "status": "RECEIVED",
        "item": "customers.profiles",
        "consumer_account": CONSUMER_ACCOUNT,
        "execution_arn": executions_named(mesh, request_id)[0]["executionArn"],
        "input": {
            "source": {"database": "customers", "table": "profiles"},
            "target": {"account_id": CONSUMER_ACCOUNT},
            "permissions": ["SELECT", "DESCRIBE"],
            "requester": CALLER,
            "justification": "churn study",
        },
    }
    assert (second.code, second.err) == (0, "")
    assert second.lines == [
        f"Request {request_id} for customers.profiles is already pending (PENDING_APPROVAL); "
        f"nothing new was started. Follow it with: lakegate status {request_id}"
    ]
    assert len(executions_named(mesh, request_id)) == 1
    assert len(emails_about(mesh, request_id)) == 1


def test_a_request_asked_again_after_it_ended_starts_a_numbered_one(mesh: OfflineMesh, cli: Cli) -> None:
    options = (
        "--database",
        "sales",
        "--table",
        "products",
        "--consumer",
        CONSUMER_ACCOUNT,
        "--duration-days",
        "7",
    )
    request_id = request_id_for(*options)

    assert cli("request", *options, "--wait").code == 0
    again = cli("request", *options, "--wait", "--json")

    assert again.code == 0
    document = json.loads(again.out)
    assert (document["request_id"], document["started"], document["status"]) == (
        f"{request_id}-2",
        True,
        "GRANTED",
    )
    assert [entry["status"] for entry in document["history"]] == ["RECEIVED", "GRANTED"]
    assert "RECEIVED → GRANTED" in again.err  # progress goes to stderr when stdout carries the JSON


def test_an_owner_approval_is_recorded_with_the_owners_aws_identity(mesh: OfflineMesh, cli: Cli) -> None:
    options = (
        "--database",
        "customers",
        "--table",
        "payments",
        "--consumer",
        CONSUMER_ACCOUNT,
        "--principal",
        ROLE,
    )
    request_id = request_id_for(*options)
    assert cli("request", *options, "--justification", "fraud model").code == 0
    eventually(lambda: status_of(mesh, request_id) == "PENDING_APPROVAL")

    pending = cli("status", request_id, "--json")
    response = owner_decides(mesh, request_id, "approve", "ok for Q4")
    eventually(lambda: status_of(mesh, request_id) == "GRANTED")
    eventually(lambda: executions_named(mesh, request_id)[0]["status"] == "SUCCEEDED")
    shown = cli("status", request_id)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["decided_by"] == f"{OWNER_ARN} (AWS identity)"
    private = json.loads(pending.out)
    assert private["status"] == "PENDING_APPROVAL"
    assert "task_token" not in private and "secret_hash" not in private
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in shown.lines[: shown.lines.index("")])
    assert fields == {
        "Request": request_id,
        "Item": "customers.payments",
        "Consumer": CONSUMER_ACCOUNT,
        "Principal": ROLE,
        "Permissions": "SELECT, DESCRIBE",
        # The CLI names the caller, but a direct start is not verified: only the portal's are.
        "Requester": f"{CALLER} (claimed, not verified)",
        "Justification": "fraud model",
        "Duration": "-",
        "Data owner": f"Customer Data ({PRODUCER_ACCOUNT})",
        "Sensitive": "yes: table customers.payments is flagged pii_flag",
        "Status": "GRANTED",
        "Created": fields["Created"],
        "Decided by": f"{OWNER_ARN} (AWS identity)",
        "Decided at": fields["Decided at"],
        "Comment": "ok for Q4",
        "Grants": f"SELECT, DESCRIBE on table customers.payments to {ROLE}",
    }
    history = shown.lines[shown.lines.index("History") + 1 :]
    assert re.split(r"\s{2,}", history[0].strip()) == ["AT", "STATUS", "BY", "REASON"]
    assert [re.split(r"\s{2,}", line.strip())[1:3] for line in history[1:]] == [
        ["RECEIVED", f"{CALLER} (claimed)"],
        ["PENDING_APPROVAL", "lakegate"],
        ["APPROVED", f"{OWNER_ARN} (AWS identity)"],
        ["GRANTED", "lakegate"],
    ]


def test_waiting_for_an_owner_who_does_not_decide_gives_up_after_the_timeout(
    mesh: OfflineMesh, cli: Cli
) -> None:
    options = ("--database", "customers", "--table", "visits", "--consumer", CONSUMER_ACCOUNT)
    request_id = request_id_for(*options)
    # Started first and waited for by its status, not by the clock: the 0.5 s below is only how long
    # the CLI follows a request that is already waiting for its owner.
    assert cli("request", *options).code == 0
    eventually(lambda: status_of(mesh, request_id) == "PENDING_APPROVAL", timeout=60)

    result = cli("request", *options, "--wait", "--timeout", "0.5")

    assert result.code == 1
    assert result.err == (
        f"lakegate: gave up waiting after 0.5s: request {request_id} is still PENDING_APPROVAL "
        f"and carries on; check it later with: lakegate status {request_id}\n"
    )
    assert "RECEIVED → PENDING_APPROVAL (asked data owner 222222222222 on " in result.out


def test_a_request_that_fails_in_the_workflow_exits_non_zero_with_its_error_and_cause(
    mesh: OfflineMesh, cli: Cli
) -> None:
    options = ("--database", "sales", "--table", "returns", "--consumer", CONSUMER_ACCOUNT)
    request_id = request_id_for(*options)

    result = cli("request", *options, "--wait")

    assert result.code == 1
    assert result.err == (
        f"lakegate: request {request_id} FAILED: CatalogItemNotFound: table sales.returns is not in the "
        "Data Catalog; check the name and the catalog account\n"
    )
    assert status_of(mesh, request_id) == "FAILED"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ("--database", "sales", "--table", "orders", "--consumer", "4444"),
            "lakegate: invalid request: target.account_id (--consumer): '4444' is not a 12-digit "
            "AWS account id (write it as a string)",
        ),
        (
            (
                "--database",
                "sales",
                "--table",
                "orders",
                "--consumer",
                CONSUMER_ACCOUNT,
                "--duration-days",
                "400",
            ),
            "lakegate: invalid request: duration_days (--duration-days): must be between 1 and 365, got 400",
        ),
        (
            (
                "--database",
                "sales",
                "--table",
                "orders",
                "--consumer",
                CONSUMER_ACCOUNT,
                "--permissions",
                "SELECT,ALL",
            ),
            "lakegate: invalid request: permissions[1] (--permissions): 'ALL' is not allowed; "
            "choose from SELECT, DESCRIBE",
        ),
        (
            (
                "--database",
                "sales",
                "--consumer",
                CONSUMER_ACCOUNT,
                "--principal",
                "arn:aws:iam::111122223333:role/X",
            ),
            "lakegate: invalid request: target.principal (--principal): the role is in account "
            f"111122223333, but target.account_id is {CONSUMER_ACCOUNT}; use a role of the consumer account",
        ),
        (
            ("--database", "sales", "--table", "orders"),
            "lakegate request: the following arguments are required: --consumer "
            "(see: lakegate request --help)",
        ),
    ],
    ids=["account", "duration", "permission", "principal", "missing-option"],
)
def test_an_invalid_request_exits_2_with_one_line_naming_the_field_and_starts_nothing(
    mesh: OfflineMesh, cli: Cli, options: tuple[str, ...], message: str
) -> None:
    before = mesh.client("stepfunctions").list_executions(stateMachineArn=mesh.state_machine_arn)[
        "executions"
    ]

    result = cli("request", *options)

    assert (result.code, result.out) == (2, "")
    assert result.err == f"{message}\n"
    after = mesh.client("stepfunctions").list_executions(stateMachineArn=mesh.state_machine_arn)["executions"]
    assert len(after) == len(before)


# --- status and list -------------------------------------------------------------------------


def test_status_of_an_unknown_request_is_one_line_and_exit_1(mesh: OfflineMesh, cli: Cli) -> None:
    result = cli("status", "no-such-request")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"lakegate: no request no-such-request in the ledger ({mesh.ledger_table}); "
        "list the requests with: lakegate list\n"
    )


LISTED = "777788889999"  # a consumer only this test's records use


@pytest.fixture
def listed_records(mesh: OfflineMesh) -> list[str]:
    """Three ledger records of one consumer, a minute apart, as the workflow leaves them."""
    ledger = Ledger(mesh.ledger_table, dynamodb=mesh.client("dynamodb"))
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    ids = []
    for index, (database, table, status) in enumerate(
        [
            ("sales", "orders", "GRANTED"),
            ("customers", "profiles", "DENIED"),
            ("sales", "products", "RECEIVED"),
        ]
    ):
        request_id = f"list-test-{index}"
        fields = {
            "request": {"database": database, "table": table},
            "item": f"{database}.{table}",
            "database": database,
            "consumer_account": LISTED,
            "requester": "alice@example.com",
            "data_owner": PRODUCER_ACCOUNT,
        }
        now = start + timedelta(minutes=index)
        if ledger.get(request_id) is None:
            ledger.create(request_id, fields, by="alice@example.com", reason="asked", now=now)
            if status == "DENIED":
                ledger.transition(
                    request_id, to=Status.PENDING_APPROVAL, by="lakegate", reason="asked owner", now=now
                )
            if status != "RECEIVED":
                ledger.transition(
                    request_id,
                    to=Status(status),
                    by="Pat (email link)" if status == "DENIED" else "lakegate",
                    reason="test",
                    now=now,
                    set_fields={"decided_by": "Pat (email link)"} if status == "DENIED" else {},
                )
        ids.append(request_id)
    return ids


def test_list_shows_a_consumers_requests_newest_first_as_a_table(
    mesh: OfflineMesh, cli: Cli, listed_records: list[str]
) -> None:
    result = cli("list", "--consumer", LISTED)

    assert result.code == 0
    rows = [re.split(r"\s{2,}", line) for line in result.lines]
    assert rows == [
        ["ID", "STATUS", "ITEM", "CONSUMER", "REQUESTER", "CREATED", "DECIDED BY"],
        [
            "list-test-2",
            "RECEIVED",
            "sales.products",
            LISTED,
            "alice@example.com (claimed, not verified)",
            "2026-11-20T09:02:00+00:00",
            "-",
        ],
        [
            "list-test-1",
            "DENIED",
            "customers.profiles",
            LISTED,
            "alice@example.com (claimed, not verified)",
            "2026-11-20T09:01:00+00:00",
            "Pat (email link)",
        ],
        [
            "list-test-0",
            "GRANTED",
            "sales.orders",
            LISTED,
            "alice@example.com (claimed, not verified)",
            "2026-11-20T09:00:00+00:00",
            "-",
        ],
    ]


def test_list_filters_by_status_consumer_and_database_and_prints_json(
    mesh: OfflineMesh, cli: Cli, listed_records: list[str]
) -> None:
    result = cli("list", "--consumer", LISTED, "--database", "Sales", "--status", "granted", "--json")

    assert result.code == 0
    assert json.loads(result.out) == {
        "count": 1,
        "filters": {"status": "GRANTED", "consumer_account": LISTED, "database": "sales"},
        "requests": [
            {
                "request_id": "list-test-0",
                "status": "GRANTED",
                "item": "sales.orders",
                "database": "sales",
                "consumer_account": LISTED,
                "requester": "alice@example.com",
                "data_owner": PRODUCER_ACCOUNT,
                "created_at": "2026-11-20T09:00:00+00:00",
            }
        ],
    }


def test_list_with_nothing_matching_says_so(mesh: OfflineMesh, cli: Cli) -> None:
    result = cli("list", "--consumer", "000000000000", "--status", "EXPIRED")
    assert (result.code, result.out) == (
        0,
        "No requests with status=EXPIRED, consumer_account=000000000000.\n",
    )


def test_list_refuses_an_unknown_status(mesh: OfflineMesh, cli: Cli) -> None:
    result = cli("list", "--status", "LOST")
    assert result.code == 2
    assert len(result.err.splitlines()) == 1 and "invalid choice: 'LOST'" in result.err


# --- a request started but not yet recorded by the workflow ----------------------------------


@pytest.fixture
def slow_workflow(mesh: OfflineMesh) -> Iterator[str]:
    """Settings naming a state machine that waits before anything is recorded, as a cold start might."""
    sfn = mesh.client("stepfunctions")
    definition = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 30, "End": True}}}
    arn = sfn.create_state_machine(
        name=f"slow-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/lakegate-state-machine",
    )["stateMachineArn"]
    parameter = f"/test/{uuid.uuid4().hex[:8]}"
    mesh.client("ssm").put_parameter(
        Name=parameter, Type="String", Value=json.dumps({**mesh.central_settings(), "state_machine_arn": arn})
    )
    yield parameter
    for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
        sfn.stop_execution(executionArn=execution["executionArn"])


def test_a_request_started_but_not_yet_recorded_counts_as_pending(
    mesh: OfflineMesh, cli: Cli, slow_workflow: str
) -> None:
    options = ("--database", "sales", "--consumer", CONSUMER_ACCOUNT, "--settings-parameter", slow_workflow)
    request_id = request_id_for(*options[:4])

    first = cli("request", *options)
    second = cli("request", *options, "--json")
    status = cli("status", request_id, "--settings-parameter", slow_workflow)

    assert first.lines[0].startswith(f"Started request {request_id}: sales (whole database) for ")
    assert second.code == 0
    assert {key: json.loads(second.out)[key] for key in ("request_id", "started", "status")} == {
        "request_id": request_id,
        "started": False,
        "status": "RECEIVED",
    }
    assert status.code == 0
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in status.lines[: status.lines.index("")])
    assert (fields["Request"], fields["Status"], fields["Item"]) == (request_id, "RECEIVED", "-")
    assert status.lines[-2:] == ["History", "  (nothing recorded yet)"]
