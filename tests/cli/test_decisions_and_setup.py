"""`lakegate approve/deny` signing and HTTP against a local server, and errors finding AWS set up."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from lakegate.core import manifest
from lakegate_cli.connection import connect, load_settings
from lakegate_cli.errors import CliError
from lakegate_cli.main import build_parser
from lakegate_offline.mesh import REGION
from tests.cli.conftest import Cli

pytestmark = pytest.mark.integration
OWNER_ARN = "arn:aws:sts::222222222222:assumed-role/Owner/pat"


@dataclass
class DecisionApiDouble:
    """A local HTTP server standing in for the decision API: records requests, answers canned replies."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    reply: tuple[int, Any] = (200, {})


@pytest.fixture
def decision_api() -> Iterator[DecisionApiDouble]:
    double = DecisionApiDouble()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            double.requests.append(
                {"path": self.path, "headers": dict(self.headers.items()), "body": self.rfile.read(length)}
            )
            status, document = double.reply
            body = (document if isinstance(document, str) else json.dumps(document)).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def publish_settings(owner_decision_url: str, name: str = manifest.CENTRAL_SETTINGS_PARAMETER) -> None:
    """The central settings parameter as the stack writes it, pointing at ``owner_decision_url``."""
    settings = {
        "state_machine_arn": f"arn:aws:states:{REGION}:123456789012:stateMachine:lakegate-access-request",
        "ledger_table": "lakegate-ledger",
        "decision_api_url": "https://links.example",
        "owner_decision_url": owner_decision_url,
        "notification_topic_arn": f"arn:aws:sns:{REGION}:123456789012:lakegate-consumer-notifications",
    }
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=name, Type="String", Value=json.dumps(settings)
    )


DECIDED = {
    "request_id": "customers-profiles-0123456789",
    "status": "APPROVED",
    "item": "customers.profiles",
    "consumer_account": "444455556666",
    "decided_by": f"{OWNER_ARN} (AWS identity)",
    "decided_at": "2026-11-22T12:00:00+00:00",
    "comment": "ok for Q4",
}


def test_approve_sends_a_sigv4_signed_json_post_to_the_owner_route(
    aws: None, cli: Cli, decision_api: DecisionApiDouble
) -> None:
    publish_settings(decision_api.url + "/")
    decision_api.reply = (200, DECIDED)

    result = cli("approve", "customers-profiles-0123456789", "--comment", "ok for Q4")

    assert (result.code, result.err) == (0, "")
    assert result.out == (
        f"customers-profiles-0123456789 (customers.profiles): APPROVED by {OWNER_ARN} (AWS identity); "
        "comment: ok for Q4\n"
    )
    (sent,) = decision_api.requests
    assert sent["path"] == "/owner/requests/customers-profiles-0123456789"
    assert json.loads(sent["body"]) == {"action": "approve", "comment": "ok for Q4"}
    headers = {name.lower(): value for name, value in sent["headers"].items()}
    assert headers["content-type"] == "application/json"
    credentials = boto3.Session().get_credentials().get_frozen_credentials()  # moto's, inside mock_aws
    scope = f"Credential={credentials.access_key}/{headers['x-amz-date'][:8]}/{REGION}/lambda/aws4_request"
    assert headers["authorization"].startswith(f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=")
    signed_headers = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"content-type", "host", "x-amz-date", "x-amz-security-token"} <= set(signed_headers)
    assert headers["x-amz-security-token"] == credentials.token
    assert headers["host"] == decision_api.url.removeprefix("http://")


def test_deny_without_a_comment_prints_the_api_answer_as_json(
    aws: None, cli: Cli, decision_api: DecisionApiDouble
) -> None:
    publish_settings(decision_api.url)
    denied = {**DECIDED, "status": "DENIED", "comment": None}
    decision_api.reply = (200, denied)

    result = cli("deny", "customers-profiles-0123456789", "--json")

    assert (result.code, json.loads(result.out)) == (0, denied)
    assert json.loads(decision_api.requests[0]["body"]) == {"action": "deny"}


def test_revoke_posts_to_the_revoke_route_and_says_what_happened(
    aws: None, cli: Cli, decision_api: DecisionApiDouble
) -> None:
    publish_settings(decision_api.url)
    revoked = {
        "request_id": "r1",
        "status": "REVOKED",
        "revoked_now": True,
        "revoked_by": OWNER_ARN,
        "revoked_at": "2026-11-22T12:00:00+00:00",
        "reason": "project ended",
        "grants": [{}, {}],
        "removed": ["SELECT on sales.orders to 444455556666"],
        "not_held": ["DESCRIBE on database sales to 444455556666"],
        "kept": [{"grant": "SELECT on table sales.orders to 444455556666", "held_by": ["r2"]}],
    }
    decision_api.reply = (200, revoked)

    result = cli("revoke", "r1", "--comment", "project ended")

    assert result.code == 0, result.err
    assert result.out == (
        f"r1: REVOKED by {OWNER_ARN} at 2026-11-22T12:00:00+00:00; removed SELECT on sales.orders to "
        "444455556666; Lake Formation no longer held DESCRIBE on database sales to 444455556666; kept "
        "SELECT on table sales.orders to 444455556666: still held by request r2\n"
    )
    (sent,) = decision_api.requests
    assert sent["path"] == "/owner/requests/r1/revoke"
    assert json.loads(sent["body"]) == {"comment": "project ended"}

    decision_api.reply = (200, {**revoked, "revoked_now": False})
    again = cli("revoke", "r1")
    assert again.out.startswith("r1 was already revoked by")


@pytest.mark.parametrize(
    ("reply", "code", "line"),
    [
        (
            (
                409,
                {"error": "already_decided", "message": "request r1 was already decided by Pat (email link)"},
            ),
            1,
            "request r1 was already decided by Pat (email link)",
        ),
        (
            (410, {"error": "expired", "message": "request r1 expired: nobody decided in time"}),
            1,
            "request r1 expired: nobody decided in time",
        ),
        (
            (403, {"error": "forbidden", "message": "only the data owner's account 222222222222 may decide"}),
            1,
            "not allowed to decide r1: only the data owner's account 222222222222 may decide",
        ),
        (
            (403, {"message": "Forbidden"}),
            1,
            "not allowed to decide r1: Forbidden; your AWS identity must be allowed lambda:InvokeFunctionUrl "
            "and lambda:InvokeFunction on the owner decision function and belong to the request's data "
            "owner account",
        ),
        (
            (404, {"error": "not_found", "message": "There is no access request with this id."}),
            1,
            "no request r1; list the requests with: lakegate list",
        ),
        (
            (400, {"error": "bad_request", "message": "comment: at most 1000 characters"}),
            2,
            "decision not understood: comment: at most 1000 characters",
        ),
        (
            (503, {"error": "unavailable", "message": "nothing was decided"}),
            1,
            "the decision was not taken (HTTP 503: nothing was decided); nothing changed, try again",
        ),
    ],
    ids=["409", "410", "403-owner", "403-iam", "404", "400", "503"],
)
def test_a_refused_decision_is_one_line_with_a_non_zero_exit(
    aws: None, cli: Cli, decision_api: DecisionApiDouble, reply: tuple[int, Any], code: int, line: str
) -> None:
    publish_settings(decision_api.url)
    decision_api.reply = reply

    result = cli("approve", "r1")
    as_json = cli("approve", "r1", "--json")

    assert (result.code, result.out, result.err) == (code, "", f"lakegate: {line}\n")
    assert as_json.code == code
    assert json.loads(as_json.out) == {"http_status": reply[0], **reply[1]}


def test_an_unreachable_decision_api_exits_3(aws: None, cli: Cli, decision_api: DecisionApiDouble) -> None:
    publish_settings("http://127.0.0.1:9")  # the discard port: nothing listens there

    result = cli("approve", "r1")

    assert result.code == 3
    assert result.err.startswith(
        "lakegate: could not reach the decision API at http://127.0.0.1:9/owner/requests/r1: "
    )
    assert len(result.err.splitlines()) == 1


# --- finding lakegate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["status", "r1"],
        ["request", "--database", "sales", "--consumer", "444455556666", "--requester", "alice"],
    ],
)
def test_without_the_settings_parameter_every_command_exits_3_with_one_line(
    aws: None, cli: Cli, command: list[str]
) -> None:
    result = cli(*command)

    assert (result.code, result.out) == (3, "")
    assert result.err == (
        f"lakegate: no lakegate settings in SSM parameter {manifest.CENTRAL_SETTINGS_PARAMETER} "
        f"({REGION}): deploy the central stack (cdk deploy LakegateCentral) or start the sandbox "
        "(make sandbox), and point lakegate at it with --profile/--region or --endpoint-url\n"
    )


def test_an_owner_without_the_settings_parameter_is_told_to_pass_the_owner_decision_url(
    aws: None, cli: Cli
) -> None:
    result = cli("approve", "r1")

    assert result.code == 3
    assert result.err.endswith(
        "with --profile/--region or --endpoint-url; an owner in a producer account can pass "
        "--owner-decision-url (or set $LAKEGATE_OWNER_DECISION_URL)\n"
    )


def test_an_owner_can_name_the_decision_api_instead_of_reading_the_settings(
    aws: None, cli: Cli, decision_api: DecisionApiDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    decision_api.reply = (200, DECIDED)

    by_option = cli("approve", "r1", "--owner-decision-url", decision_api.url)
    monkeypatch.setenv("LAKEGATE_OWNER_DECISION_URL", decision_api.url + "/")
    by_environment = cli("deny", "r2")

    assert (by_option.code, by_environment.code) == (0, 0)
    assert [sent["path"] for sent in decision_api.requests] == ["/owner/requests/r1", "/owner/requests/r2"]


def test_an_owner_needs_only_the_owner_decision_url_in_the_settings_parameter(
    aws: None, cli: Cli, decision_api: DecisionApiDouble
) -> None:
    # What a producer account could hold: where the decision API is, and nothing else.
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=manifest.CENTRAL_SETTINGS_PARAMETER,
        Type="String",
        Value=json.dumps({"owner_decision_url": decision_api.url}),
    )
    decision_api.reply = (200, DECIDED)

    assert cli("approve", "r1").code == 0
    assert decision_api.requests[0]["path"] == "/owner/requests/r1"


def test_the_settings_parameter_can_be_named_and_json_errors_are_documents(aws: None, cli: Cli) -> None:
    result = cli("--json", "list", "--settings-parameter", "/elsewhere/lakegate", "--region", "eu-west-1")

    assert result.code == 3
    document = json.loads(result.out)
    assert document["exit_code"] == 3
    assert document["error"].startswith(
        "no lakegate settings in SSM parameter /elsewhere/lakegate (eu-west-1): "
    )


def test_settings_missing_a_key_are_refused_naming_it(aws: None, cli: Cli) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=manifest.CENTRAL_SETTINGS_PARAMETER, Type="String", Value=json.dumps({"ledger_table": "t"})
    )

    result = cli("list")

    assert result.code == 3
    assert result.err == (
        f"lakegate: SSM parameter {manifest.CENTRAL_SETTINGS_PARAMETER} does not hold lakegate's "
        "settings (missing state_machine_arn, decision_api_url, owner_decision_url, notification_topic_arn); "
        "deploy the central stack again, or pass the right --settings-parameter\n"
    )


@pytest.mark.parametrize(
    ("written", "prefix"),
    [({"user_role_prefix": "lakegate-user-"}, "lakegate-user-"), ({"user_role_prefix": ""}, ""), ({}, "")],
    ids=["a prefix", "no convention", "a deployment from before the setting"],
)
def test_the_settings_carry_the_per_user_role_prefix_and_older_ones_load_without_it(
    aws: None, written: dict[str, str], prefix: str
) -> None:
    publish_settings("https://owners.example")
    ssm = boto3.client("ssm", region_name=REGION)
    settings = json.loads(ssm.get_parameter(Name=manifest.CENTRAL_SETTINGS_PARAMETER)["Parameter"]["Value"])
    ssm.put_parameter(
        Name=manifest.CENTRAL_SETTINGS_PARAMETER,
        Type="String",
        Value=json.dumps({**settings, **written}),
        Overwrite=True,
    )

    loaded = load_settings(connect(build_parser().parse_args(["list"])))

    assert loaded.user_role_prefix == prefix
    assert loaded.ledger_table == "lakegate-ledger"


def test_an_unknown_profile_exits_3_with_one_line(aws: None, cli: Cli) -> None:
    result = cli("list", "--profile", "no-such-profile")
    assert result.code == 3
    assert result.err.startswith("lakegate: The config profile (no-such-profile) could not be found")
    assert len(result.err.splitlines()) == 1


def test_an_endpoint_that_is_not_a_url_is_a_usage_error(aws: None, cli: Cli) -> None:
    result = cli("list", "--endpoint-url", "localhost:4566")
    assert (result.code, result.err) == (
        2,
        "lakegate: --endpoint-url: 'localhost:4566' is not an http(s) URL such as http://127.0.0.1:4566\n",
    )


def test_against_the_sandbox_nothing_needs_configuring(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN no credentials, no region and no AWS config at all, only the sandbox's endpoint
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("LAKEGATE_ENDPOINT_URL", "http://127.0.0.1:4566")

    connection = connect(build_parser().parse_args(["list"]))

    assert connection.region == "us-east-1"
    assert connection.credentials().get_frozen_credentials().access_key == "sandbox"


def test_without_an_endpoint_a_missing_region_is_still_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))

    with pytest.raises(CliError, match="no AWS region"):
        connect(build_parser().parse_args(["list"]))
