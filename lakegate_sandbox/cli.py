"""`lakegate sandbox` (start it in the foreground) and `lakegate sandbox info` (where everything is)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
PORT_VARIABLE = "LAKEGATE_SANDBOX_PORT"
WEB_PORT_VARIABLE = "LAKEGATE_SANDBOX_WEB_PORT"
ENDPOINT_VARIABLE = "LAKEGATE_ENDPOINT_URL"


def register(subparsers: Any) -> None:
    """Add the `sandbox` command to the lakegate CLI."""
    parser = subparsers.add_parser(
        "sandbox",
        help="run the whole mesh locally (moto), or show where a running sandbox is",
        description="Start the sandbox in the foreground: the AWS API on a local endpoint, the decision "
        "API and the outbox on a local web port. State lives in memory. Ctrl-C stops it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get(PORT_VARIABLE, "4566")),
        help=f"port of the AWS API endpoint (default 4566, or ${PORT_VARIABLE})",
    )
    parser.add_argument(
        "--web-port",
        type=int,
        default=int(os.environ.get(WEB_PORT_VARIABLE, "4567")),
        help=f"port of the decision API and the outbox (default 4567, or ${WEB_PORT_VARIABLE})",
    )
    parser.add_argument("--no-sample-data", action="store_true", help="start with an empty catalog")
    parser.add_argument(
        "--approval-timeout-hours",
        type=float,
        default=72.0,
        help="how long owners have to decide (default 72)",
    )
    parser.add_argument(
        "--approval-reminder-hours",
        type=float,
        default=0.0,
        metavar="HOURS",
        help="remind owners of an undecided request this long before it expires (default 0: no reminder)",
    )
    parser.add_argument(
        "--day-seconds",
        type=int,
        default=86400,
        metavar="N",
        help="clock compression for time-bound access: a day of access lasts N seconds (default 86400; "
        "with 1, a request for --duration-days 2 is revoked 2 seconds after its grant)",
    )
    parser.set_defaults(func=start)
    actions = parser.add_subparsers(dest="sandbox_action", metavar="{info}")
    info_parser = actions.add_parser("info", help="print the running sandbox's endpoint, ids, ARNs and URLs")
    info_parser.add_argument(
        "--endpoint-url",
        default=argparse.SUPPRESS,  # may also come before the command, like the other commands' option
        help=f"the sandbox's AWS endpoint (default ${ENDPOINT_VARIABLE}, else {DEFAULT_ENDPOINT})",
    )
    info_parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document"
    )
    info_parser.set_defaults(func=info)


def start(arguments: argparse.Namespace) -> int:
    # Imported here: moto and the mesh are heavy, and only this command needs them.
    from lakegate_sandbox.server import SandboxOptions, running_sandbox

    reminder_seconds = arguments.approval_reminder_hours * 3600
    if not 0 <= reminder_seconds < arguments.approval_timeout_hours * 3600:
        print(
            "lakegate: --approval-reminder-hours must be 0 or less than --approval-timeout-hours",
            file=sys.stderr,
        )
        return 2
    if arguments.day_seconds < 1:
        print("lakegate: --day-seconds must be a positive number of seconds", file=sys.stderr)
        return 2
    options = SandboxOptions(
        host=arguments.host,
        port=arguments.port,
        web_port=arguments.web_port,
        sample_data=not arguments.no_sample_data,
        approval_timeout_seconds=max(1, round(arguments.approval_timeout_hours * 3600)),
        access_day_seconds=arguments.day_seconds,
        approval_reminder_seconds=reminder_seconds,
    )
    print(f"starting the lakegate sandbox on {options.endpoint} ...", file=sys.stderr, flush=True)
    stop = threading.Event()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a service manager stopping it
        signal.signal(stop_signal, lambda *_: stop.set())
    try:
        with running_sandbox(options) as sandbox:
            print(_banner(sandbox.info(), sample_data=options.sample_data), flush=True)
            stop.wait()
    except OSError as error:
        print(
            f"lakegate: cannot start the sandbox: {error} (is the port in use? try --port / --web-port)",
            file=sys.stderr,
        )
        return 3
    print("lakegate sandbox stopped; its state is gone", file=sys.stderr)
    return 0


def info(arguments: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from lakegate_sandbox.server import SANDBOX_INFO_PARAMETER

    endpoint = (
        getattr(arguments, "endpoint_url", None) or os.environ.get(ENDPOINT_VARIABLE) or DEFAULT_ENDPOINT
    )
    ssm = boto3.client(
        "ssm",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    try:
        document = json.loads(ssm.get_parameter(Name=SANDBOX_INFO_PARAMETER)["Parameter"]["Value"])
    except (BotoCoreError, ClientError) as error:
        print(
            f"lakegate: no sandbox answers at {endpoint} ({error}); start one with "
            "`lakegate sandbox` or pass --endpoint-url",
            file=sys.stderr,
        )
        return 3
    if getattr(arguments, "json", False):
        print(json.dumps(document, indent=2))
    else:
        print(_summary(document))
    return 0


def _summary(info: dict[str, Any]) -> str:
    accounts = info["accounts"]
    owner = info["owner_credentials"]
    rows = [
        ("AWS endpoint", f"{info['endpoint_url']}  (boto3 / aws --endpoint-url; any credentials)"),
        ("region", info["region"]),
        (
            "accounts",
            ", ".join(f"{role} {accounts[role]}" for role in ("central", "producer", "consumer")),
        ),
        ("state machine", info["state_machine_arn"]),
        ("ledger table", info["ledger_table"]),
        *(
            [("day of access", f"{info['access_day_seconds']} seconds (clock compression, --day-seconds)")]
            if info.get("access_day_seconds", 86400) != 86400
            else []
        ),
        *(
            [
                (
                    "per-user roles",
                    f"arn:aws:iam::{accounts['consumer']}:role/{info['user_role_prefix']}<user name> "
                    "is that user's own role",
                )
            ]
            if info.get("user_role_prefix")
            else []
        ),
        ("approval topic", f"{info['approval_topic_arn']}  (producer account)"),
        ("notification topic", info["notification_topic_arn"]),
        ("decision API", f"{info['decision_api_url']}/requests/<request id>"),
        ("outbox", f"{info['outbox_url']}  (JSON: {info['outbox_json_url']})"),
        (
            "data owner keys",
            f"AWS_ACCESS_KEY_ID={owner['aws_access_key_id']} "
            f"AWS_SECRET_ACCESS_KEY={owner['aws_secret_access_key']}",
        ),
        *_portal_rows(info),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)


def _portal_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    """The portal's address and its sample users (user name, password, what each may do)."""
    if not info.get("portal_url"):
        return []
    rows = [("portal", f"{info['portal_url']}  (sign in as one of the users below)")]
    for user in info.get("portal_users", []):
        scope = []
        if user.get("consumer_account"):
            scope.append(f"requests for {user['consumer_account']}")
        if user.get("owner_accounts"):
            scope.append(f"decides for {user['owner_accounts']}")
        detail = ", ".join([" ".join(user["groups"]), *scope])
        rows.append(("portal user", f"{user['username']} / {user['password']}  ({detail})"))
    return rows


def _banner(info: dict[str, Any], *, sample_data: bool) -> str:
    endpoint = info["endpoint_url"]
    lines = [
        "lakegate sandbox is running. State lives in memory; Ctrl-C stops it.",
        "",
        _summary(info),
        "",
        "Try it:",
        f"  export {ENDPOINT_VARIABLE}={endpoint}",
    ]
    if sample_data:
        lines += [
            "  lakegate request --database customers --table profiles --columns customer_id,email \\",
            f"    --consumer {info['accounts']['consumer']} --wait",
            f"  then open {info['outbox_url']}, follow the Approve link and press Approve;",
            "  see the grant (the emulator accepts any credentials):",
            "  AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox \\",
            f"    aws lakeformation list-permissions --endpoint-url {endpoint} --region {info['region']}",
            *(
                [f"  or open {info['portal_url']}: request as consumer, decide as owner"]
                if info.get("portal_url")
                else []
            ),
        ]
    else:
        lines.append(
            "  the catalog is empty (--no-sample-data): create databases with aws glue --endpoint-url ..."
        )
    return "\n".join(lines)
