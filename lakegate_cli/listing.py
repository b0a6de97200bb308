"""``lakegate list``: requests from the ledger, newest first, optionally by status, consumer or database."""

from __future__ import annotations

import argparse
from typing import Any

from lakegate.core.identifiers import is_account_id
from lakegate.ledger.record import LISTING_FIELDS
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.requests.requester import requester_label
from lakegate_cli.connection import add_connection_options, connect, load_settings
from lakegate_cli.render import add_json_option, print_json, table, wants_json

COLUMNS = (
    ("ID", "request_id"),
    ("STATUS", "status"),
    ("ITEM", "item"),
    ("CONSUMER", "consumer_account"),
    ("REQUESTER", "requester"),
    ("CREATED", "created_at"),
    ("DECIDED BY", "decided_by"),
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "list",
        help="list requests, newest first",
        description="List the requests in the ledger, newest first. Reads the whole ledger (a DynamoDB "
        "Scan with a filter), so it costs in proportion to the ledger's size.",
    )
    parser.add_argument(
        "--status",
        type=str.upper,
        choices=[status.value for status in Status],
        help="only requests with this status",
    )
    parser.add_argument(
        "--consumer", type=_account_id, metavar="ACCOUNT", help="only this consumer account's"
    )
    parser.add_argument(
        "--database", type=lambda value: value.strip().lower(), help="only requests in this database"
    )
    add_connection_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    connection = connect(args)
    settings = load_settings(connection)
    filters = {
        name: value
        for name, value in (
            ("status", args.status),
            ("consumer_account", args.consumer),
            ("database", args.database),
        )
        if value
    }
    ledger = Ledger(settings.ledger_table, dynamodb=connection.dynamodb())
    requests = sorted(
        ledger.scan(equal_to=filters, fields=LISTING_FIELDS),
        key=lambda record: str(record.get("created_at", "")),
        reverse=True,
    )
    if wants_json(args):
        print_json({"requests": requests, "count": len(requests), "filters": filters})
    elif requests:
        # Who asked, verified or only claimed, as the status page and the approval email say it.
        print(table(COLUMNS, [{**record, "requester": requester_label(record)} for record in requests]))
    else:
        matching = ", ".join(f"{name}={value}" for name, value in filters.items())
        print(f"No requests{' with ' + matching if matching else ''}.")
    return 0


def _account_id(value: str) -> str:
    if not is_account_id(value.strip()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a 12-digit AWS account id")
    return value.strip()
