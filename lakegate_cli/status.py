"""``lakegate status ID``: one request from the ledger, with who decided, when and why, and its history."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from lakegate.ledger.record import LedgerRecord, request_of
from lakegate.ledger.store import Ledger
from lakegate.requests.requester import requester_label
from lakegate.requests.submission import describe_execution, execution_arn
from lakegate.workflow.grants import Grant
from lakegate_cli.connection import add_connection_options, connect, load_settings
from lakegate_cli.errors import FAILED, CliError
from lakegate_cli.render import add_json_option, details, print_json, table, wants_json
from lakegate_cli.workflow import public_record

HISTORY_COLUMNS = (("AT", "at"), ("STATUS", "status"), ("BY", "by"), ("REASON", "reason"))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show one request: what, for whom, its status, who decided and its history",
        description="Show a request from the ledger: the item, consumer and principal, its status, who "
        "decided when and why, the grants made, and every status change.",
    )
    parser.add_argument("request_id", metavar="ID", help="the request id (the execution name)")
    add_connection_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    connection = connect(args)
    settings = load_settings(connection)
    record = Ledger(settings.ledger_table, dynamodb=connection.dynamodb()).get(args.request_id)
    if record is None:
        # Started a moment ago and not yet recorded, or stopped before the workflow recorded it.
        arn = execution_arn(settings.state_machine_arn, args.request_id)
        execution = describe_execution(connection.stepfunctions(), arn)
        if execution is None:
            raise CliError(
                f"no request {args.request_id} in the ledger ({settings.ledger_table}); "
                "list the requests with: lakegate list",
                FAILED,
            )
        running = execution["status"] == "RUNNING"
        record = {
            "request_id": args.request_id,
            "status": "RECEIVED" if running else execution["status"],
            "created_at": execution["startDate"].isoformat(timespec="seconds"),
            "history": [],
        }
    if wants_json(args):
        print_json(public_record(record))
    else:
        print(describe(record))
    return 0


def describe(record: LedgerRecord) -> str:
    """The record as a person reads it: a block of fields, then the grants and the history."""
    request = request_of(record)
    owner_name, owner = record.get("data_owner_name"), record.get("data_owner")
    pairs: list[tuple[str, Any]] = [
        ("Request", record.get("request_id")),
        ("Item", record.get("item")),
        ("Consumer", record.get("consumer_account")),
        (
            "Principal",
            request.get("principal") or ("the whole account (with grant option)" if request else None),
        ),
        ("Permissions", request.get("permissions")),
        ("Requester", requester_label(record)),
        ("Justification", request.get("justification")),
        ("Duration", f"{request['duration_days']} days" if request.get("duration_days") else None),
        ("Data owner", f"{owner_name} ({owner})" if owner_name and owner_name != owner else owner),
        ("Sensitive", _sensitivity(record)),
        ("Status", record.get("status")),
        ("Created", record.get("created_at")),
    ]
    if record.get("status") == "PENDING_APPROVAL":
        pairs.append(("Decide before", record.get("approval_expires_at")))
    if record.get("access_expires_at"):  # a time-bound grant: revoked by itself then
        pairs.append(("Access until", record["access_expires_at"]))
    pairs += [
        ("Decided by", record.get("decided_by")),
        ("Decided at", record.get("decided_at")),
        ("Comment", record.get("decision_comment")),
    ]
    if record.get("error"):
        pairs.append(("Error", f"{record['error']}: {record.get('cause')}"))
    pairs.append(("Grants", "\n".join(_grant(grant) for grant in record.get("grants", [])) or None))
    history = record.get("history") or []
    lines = [details(pairs), "", "History"]
    if history:
        lines.extend("  " + line for line in table(HISTORY_COLUMNS, history).splitlines())
    else:
        lines.append("  (nothing recorded yet)")
    return "\n".join(lines)


def _sensitivity(record: LedgerRecord) -> str | None:
    if "sensitive" not in record:
        return None
    if not record["sensitive"]:
        return "no"
    return "yes: " + "; ".join(record.get("sensitivity_reasons") or [])


def _grant(grant: Mapping[str, Any]) -> str:
    described = Grant.from_dict(grant).describe()
    return f"{described} (with grant option)" if grant.get("grantable") else described
