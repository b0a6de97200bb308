"""``lakegate audit``: who asked and who decided (``requests``), who read the data (``access``), and
whether Lake Formation still holds what the ledger says (``drift``)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from lakegate.audit.decision_trail import matching, trail
from lakegate.audit.drift import drift
from lakegate.ledger.store import Ledger
from lakegate_cli import audit_access
from lakegate_cli.connection import add_connection_options, connect, load_settings
from lakegate_cli.evidence import add_format_option, emit, output_format
from lakegate_cli.render import add_json_option
from lakegate_cli.time_window import duration

# Decision trail: flat columns in the order CSV evidence lists them, and the table's shorter view.
CSV_COLUMNS = (
    ("REQUEST", "request_id"),
    ("CREATED", "created_at"),
    ("STATUS", "status"),
    ("REQUESTER", "requester"),
    ("PERSON", "person"),
    ("GRANTEE", "grantee"),
    ("CONSUMER", "consumer_account"),
    ("DATABASE", "database"),
    ("TABLE", "table"),
    ("COLUMNS", "columns"),
    ("PERMISSIONS", "permissions"),
    ("JUSTIFICATION", "justification"),
    ("STATUS CHANGES", "status_changes"),
    ("APPROVER", "approver"),
    ("DECIDED", "decided_at"),
    ("COMMENT", "comment"),
    ("GRANTS", "grants"),
    ("GRANTED", "granted_at"),
    ("ACCESS EXPIRES", "access_expires_at"),
    ("REVOKED", "revoked_at"),
    ("REVOKED BY", "revoked_by"),
    ("REVOCATION REASON", "revocation_reason"),
)
TABLE_COLUMNS = (
    ("REQUEST", "request_id"),
    ("CREATED", "created_at"),
    ("STATUS", "status"),
    ("ITEM", "item"),
    ("FOR", "for"),
    ("APPROVER", "approver"),
    ("COMMENT", "comment"),
    ("GRANTED", "granted_at"),
    ("REVOKED", "revoked_at"),
)
DRIFT_COLUMNS = (
    ("DRIFT", "drift"),
    ("PRINCIPAL", "principal"),
    ("PERSON", "person"),
    ("PERMISSION", "permission"),
    ("RESOURCE", "resource"),
    ("REQUEST", "request_id"),
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="evidence: decisions, data access and permissions drift",
        description="Evidence for auditors, as a table or as CSV/JSON (--format). Needs read access to the "
        "ledger, CloudTrail and Lake Formation permissions: the central stack's audit role (AuditRoleArn).",
    )
    commands = parser.add_subparsers(dest="audit_command", metavar="WHAT", required=True)

    requests = commands.add_parser(
        "requests",
        help="every request with its status changes, approver, comment, grants and revocation",
        description="Every request in the ledger (a DynamoDB Scan), oldest first: who asked and for whom, "
        "each status change with who made it, the approver and comment, the exact grants made, and when "
        "they were revoked.",
    )
    requests.add_argument("--since", type=duration, help="only requests created in this window, e.g. 30d")
    requests.add_argument("--database", type=lambda value: value.strip().lower(), help="only this database")
    requests.add_argument(
        "--principal",
        help="only requests granting to this role ARN or account id, or for this person (by the role-name "
        "convention)",
    )
    _common(requests, run_requests)

    access = commands.add_parser(
        "access",
        help="who read which table, joined to the request that allowed it (CloudTrail)",
        description="Lake Formation data access (GetDataAccess) joined with Athena queries "
        "(StartQueryExecution) from CloudTrail's management events in this account and region, each "
        "attributed to a person and to the lakegate request that granted it, or flagged when none did.",
    )
    audit_access.add_arguments(access)
    _common(access, audit_access.run)

    drift_parser = commands.add_parser(
        "drift",
        help="grants made outside the workflow, and recorded grants Lake Formation no longer holds",
        description="Compares the grants the ledger says are in force with Lake Formation's permissions "
        "for every principal lakegate has granted to.",
    )
    _common(drift_parser, run_drift)


def _common(parser: argparse.ArgumentParser, func: Any) -> None:
    add_format_option(parser)
    add_connection_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=func)


def run_requests(args: argparse.Namespace) -> int:
    connection = connect(args)
    settings = load_settings(connection)
    prefix = settings.user_role_prefix
    ledger = Ledger(settings.ledger_table, dynamodb=connection.dynamodb())
    since = datetime.now(UTC) - args.since if args.since else None
    rows = matching(
        (trail(record, user_role_prefix=prefix) for record in ledger.scan()),
        since=since,
        database=args.database,
        principal=args.principal.strip() if args.principal else None,
    )
    filters = {
        "since": since.isoformat(timespec="seconds") if since else None,
        "database": args.database,
        "principal": args.principal,
    }
    emit(
        args,
        columns=TABLE_COLUMNS if output_format(args) == "table" else CSV_COLUMNS,
        rows=rows,
        document={"requests": [_evidence(row) for row in rows], "count": len(rows), "filters": filters},
        empty="No requests match.",
    )
    return 0


def run_drift(args: argparse.Namespace) -> int:
    connection = connect(args)
    settings = load_settings(connection)
    ledger = Ledger(settings.ledger_table, dynamodb=connection.dynamodb())
    lakeformation = connection.client("lakeformation")
    rows = drift(ledger.scan(), lakeformation, user_role_prefix=settings.user_role_prefix)
    emit(
        args,
        columns=DRIFT_COLUMNS,
        rows=rows,
        document={"drift": rows, "count": len(rows)},
        empty="No drift: Lake Formation holds exactly the grants the ledger has in force.",
    )
    return 1 if rows else 0


def _evidence(row: dict[str, Any]) -> dict[str, Any]:
    """A trail for JSON: status changes and grants as records rather than sentences."""
    evidence = {key: value for key, value in row.items() if key not in ("history", "grant_records", "for")}
    evidence["status_changes"] = row["history"]
    evidence["grants"] = row["grant_records"]
    return evidence
