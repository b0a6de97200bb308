"""``lakegate request``: validate a request locally, start it once, and optionally follow it to its end."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from lakegate.core.errors import InvalidRequest
from lakegate.ledger.store import Ledger
from lakegate.requests.model import AccessRequest, parse_request
from lakegate.requests.submission import Submission, TooManyAttempts, execution_input
from lakegate.requests.submission import submit as submit_request
from lakegate_cli.connection import CentralSettings, add_connection_options, connect, load_settings
from lakegate_cli.errors import FAILED, INTERRUPTED, USAGE, CliError
from lakegate_cli.follow import DEFAULT_TIMEOUT_SECONDS, follow, outcome_line
from lakegate_cli.render import add_json_option, print_json, wants_json

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

# The execution input's fields, and the option each comes from (named in validation errors).
OPTION_OF_FIELD = {
    "source.database": "--database",
    "source.table": "--table",
    "source.columns": "--columns",
    "target.account_id": "--consumer",
    "target.principal": "--principal",
    "permissions": "--permissions",
    "requester": "--requester",
    "justification": "--justification",
    "duration_days": "--duration-days",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "request",
        help="ask for access to a database, a table or some columns",
        description="Start an access request. The request id is derived from what is asked, so sending "
        "the same request again while it is pending starts nothing and says so.",
    )
    parser.add_argument("--database", required=True, help="the database")
    parser.add_argument("--table", help="the table (default: the whole database)")
    parser.add_argument(
        "--columns", metavar="A,B", help="comma-separated columns of the table (default: all)"
    )
    parser.add_argument("--consumer", required=True, metavar="ACCOUNT", help="the consumer account id")
    parser.add_argument(
        "--principal", metavar="ROLE_ARN", help="an IAM role of the consumer account (default: the account)"
    )
    parser.add_argument(
        "--permissions", metavar="P,Q", help="comma-separated, from SELECT, DESCRIBE (default: both)"
    )
    parser.add_argument("--justification", help="why access is needed, shown to the data owner")
    parser.add_argument("--duration-days", type=int, metavar="N", help="how long access is needed, 1-365")
    parser.add_argument("--requester", help="who asks (default: the ARN of your AWS identity)")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="show progress until the request is granted, denied, expired or failed",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"with --wait, give up waiting after this long (default {DEFAULT_TIMEOUT_SECONDS}); "
        "the request carries on",
    )
    add_connection_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    payload = execution_payload(args)
    validate(payload)  # before touching AWS: a typo costs no round trip
    connection = connect(args)
    settings = load_settings(connection)
    if payload.get("requester") is None:
        payload["requester"] = connection.sts().get_caller_identity()["Arn"]
    request = validate(payload)
    sfn = connection.stepfunctions()
    ledger = Ledger(settings.ledger_table, dynamodb=connection.dynamodb())
    submission = submit(request, settings=settings, sfn=sfn, ledger=ledger)
    as_json = wants_json(args)
    document: dict[str, Any] = {
        "request_id": submission.request_id,
        "started": submission.started,
        "status": submission.status,
        "item": request.item_name,
        "consumer_account": request.consumer_account,
        "execution_arn": submission.execution_arn,
        "input": execution_input(request),
    }
    if not as_json:
        print(_submission_line(submission, request))
    if not args.wait:
        if as_json:
            print_json(document)
        return 0

    progress = sys.stderr if as_json else sys.stdout
    try:
        outcome = follow(
            submission.request_id,
            submission.execution_arn,
            ledger=ledger,
            sfn=sfn,
            timeout=args.timeout,
            show=lambda line: print(line, file=progress, flush=True),
        )
    except KeyboardInterrupt:
        raise CliError(
            f"stopped waiting; request {submission.request_id} carries on "
            f"(lakegate status {submission.request_id} shows where it is)",
            INTERRUPTED,
        ) from None
    document.update(outcome.summary())
    if outcome.failed:
        raise CliError(f"request {submission.request_id} {outcome_line(outcome)}", FAILED, document=document)
    if as_json:
        print_json(document)
    else:
        print(outcome_line(outcome))
    return 0


def execution_payload(args: argparse.Namespace) -> dict[str, Any]:
    """The execution input as the options give it (validated by ``validate``)."""
    source: dict[str, Any] = {"database": args.database, "table": "*" if args.table is None else args.table}
    if args.columns is not None:
        source["columns"] = _split(args.columns)
    target: dict[str, Any] = {"account_id": args.consumer}
    if args.principal is not None:
        target["principal"] = args.principal
    payload: dict[str, Any] = {"source": source, "target": target}
    if args.permissions is not None:
        payload["permissions"] = _split(args.permissions)
    for name in ("requester", "justification", "duration_days"):
        if getattr(args, name) is not None:
            payload[name] = getattr(args, name)
    return payload


def validate(payload: dict[str, Any]) -> AccessRequest:
    """The request the workflow would accept, or a usage error naming the field and its option."""
    try:
        # Any partition here: the workflow checks the role against the deployment's own.
        return parse_request(payload, partition=None)
    except InvalidRequest as error:
        message = str(error)
        field = message.split(":", 1)[0]
        option = OPTION_OF_FIELD.get(field.split("[", 1)[0])
        named = f"{field} ({option}){message[len(field) :]}" if option else message
        raise CliError(f"invalid request: {named}", USAGE) from None


def submit(
    request: AccessRequest, *, settings: CentralSettings, sfn: SFNClient, ledger: Ledger
) -> Submission:
    """Start the request unless the same one is still in progress (``lakegate.requests.submission``)."""
    try:
        return submit_request(request, state_machine_arn=settings.state_machine_arn, sfn=sfn, ledger=ledger)
    except TooManyAttempts as error:
        raise CliError(str(error), FAILED) from None


def _submission_line(submission: Submission, request: AccessRequest) -> str:
    follow_up = f"lakegate status {submission.request_id}"
    if submission.started:
        return (
            f"Started request {submission.request_id}: {request.item_name} for {request.consumer_account}. "
            f"Follow it with: {follow_up}"
        )
    return (
        f"Request {submission.request_id} for {request.item_name} is already pending ({submission.status}); "
        f"nothing new was started. Follow it with: {follow_up}"
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")]


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return seconds
