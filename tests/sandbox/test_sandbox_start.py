"""The sandbox starts like a user starts it and says where everything is."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.sandbox.conftest import ROOT, RunningSandbox

pytestmark = pytest.mark.sandbox


def test_info_names_the_endpoint_accounts_and_every_resource(sandbox: RunningSandbox) -> None:
    info = sandbox.info
    assert info["accounts"] == {
        "central": "123456789012",
        "producer": "222222222222",
        "consumer": "444455556666",
    }
    assert info["state_machine_arn"].startswith("arn:aws:states:us-east-1:123456789012:stateMachine:")
    assert info["approval_topic_arn"] == "arn:aws:sns:us-east-1:222222222222:DataLakeSharingApproval"
    # What the info names exists in the emulator, in the account it says.
    sfn = sandbox.client("stepfunctions")
    assert sfn.describe_state_machine(stateMachineArn=info["state_machine_arn"])["status"] == "ACTIVE"
    assert sfn.describe_state_machine(stateMachineArn=info["expiry_state_machine_arn"])["status"] == "ACTIVE"
    assert info["access_day_seconds"] == 86400  # a real day unless --day-seconds compresses the clock
    assert sandbox.client("dynamodb").describe_table(TableName=info["ledger_table"])["Table"][
        "KeySchema"
    ] == [{"AttributeName": "request_id", "KeyType": "HASH"}]
    databases = {database["Name"] for database in sandbox.client("glue").get_databases()["DatabaseList"]}
    assert {"sales", "customers"} <= databases


def test_sandbox_info_json_prints_the_same_document(sandbox: RunningSandbox) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lakegate_sandbox",
            "info",
            "--json",
            "--endpoint-url",
            sandbox.endpoint,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(completed.stdout) == sandbox.info


def test_info_without_a_sandbox_is_one_clear_line() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "lakegate_sandbox", "info", "--endpoint-url", "http://127.0.0.1:9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 3
    assert completed.stderr.startswith("lakegate: no sandbox answers at http://127.0.0.1:9")
    assert len(completed.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("argv", "expected"), [([], 86400), (["--day-seconds", "1"], 1)])
def test_day_seconds_is_passed_to_the_mesh(
    argv: list[str], expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lakegate_sandbox.server
    from lakegate_sandbox.__main__ import main

    given: list[Any] = []

    @contextmanager
    def refuse_to_start(options: Any) -> Iterator[Any]:
        given.append(options)
        raise OSError("not started in this test")
        yield

    monkeypatch.setattr(lakegate_sandbox.server, "running_sandbox", refuse_to_start)
    monkeypatch.setattr("signal.signal", lambda *_: None)

    assert main(argv) == 3
    assert given[0].access_day_seconds == expected


def test_info_names_the_portal_and_its_sample_users_who_can_sign_in(sandbox: RunningSandbox) -> None:
    info = sandbox.info
    assert info["portal_url"] == f"{info['decision_api_url']}/portal"
    users = {user["username"]: user for user in info["portal_users"]}
    assert {name: user["groups"] for name, user in users.items()} == {
        "consumer": ["consumers"],
        "owner": ["owners"],
        "admin": ["admins"],
    }
    assert users["consumer"]["consumer_account"] == info["accounts"]["consumer"]
    assert users["owner"]["owner_accounts"] == info["accounts"]["producer"]  # the sample catalog's owner
    # The pool is the emulator's, with self sign-up off, and each password signs its user in for good.
    cognito = sandbox.client("cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=info["user_pool_id"])["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    for user in users.values():
        signed_in = cognito.initiate_auth(
            ClientId=info["user_pool_client_id"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user["username"], "PASSWORD": user["password"]},
        )
        assert "IdToken" in signed_in["AuthenticationResult"], user["username"]


def test_sandbox_info_prints_the_portal_and_its_users(sandbox: RunningSandbox) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "lakegate_sandbox", "info", "--endpoint-url", sandbox.endpoint],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = [line.split() for line in completed.stdout.splitlines()]
    assert ["portal", sandbox.info["portal_url"]] in [row[:2] for row in rows]
    for user in sandbox.info["portal_users"]:
        assert f"{user['username']} / {user['password']}" in completed.stdout
