"""``lakegate audit access``: who read which table, through which query, under which lakegate request.

Reads CloudTrail's event history (``LookupEvents``) in the account and region the connection
points at: Lake Formation's ``GetDataAccess`` events, then Athena's ``StartQueryExecution`` events
for the query ids they carry. ``LookupEvents`` takes one lookup attribute per call, serves only the
last 90 days, and allows two calls per second per account and region: calls are paced to one every
half second, and a throttled call is retried with backoff. Each access is attributed to a person
by the role-name convention and explained by the ledger request that granted it (see
``data_access``), or flagged.

The ``audit`` command group (``lakegate_cli.audit``) creates the ``access`` parser, adds this
command's options with ``add_arguments`` (``--format``, ``--json`` and the connection options are
the group's) and runs ``run``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, TextIO

from botocore.exceptions import ClientError

from lakegate.audit import access as data_access
from lakegate.core.errors import error_code
from lakegate.ledger.record import GRANT_PERIOD_FIELDS
from lakegate.ledger.store import Ledger, timestamp
from lakegate.ledger.store import utc_now as _utc_now
from lakegate_cli.connection import Connection, connect, load_settings
from lakegate_cli.errors import AWS_UNREACHABLE, USAGE, CliError
from lakegate_cli.evidence import emit
from lakegate_cli.time_window import duration

DEFAULT_SINCE = "24h"
HISTORY = timedelta(days=90)  # how far back CloudTrail's event history reaches
PAGE_SIZE = 50  # LookupEvents' maximum
CALL_INTERVAL = 0.5  # seconds between LookupEvents calls: two per second per account and region
THROTTLING_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})
ATTEMPTS = 6  # a throttled call is tried this often in all, waiting 1, 2, 4, 8 and 16 s between
MAX_BACKOFF = 16.0
# Athena queries start shortly before they read: their starts are looked up this much earlier.
QUERY_START_MARGIN = timedelta(minutes=15)

COLUMNS = (
    ("TIME", "time"),
    ("USER", "user"),
    ("ROLE", "role"),
    ("TABLE", "table"),
    ("QUERY ID", "query_id"),
    ("REQUEST", "request_id"),
    ("WARNING", "warning"),
)
_TABLE = re.compile(r"^[a-z0-9_][a-z0-9_-]*\.[a-z0-9_][a-z0-9_-]*$")

# Looked up when the command runs, so tests can replace them.
sleep: Callable[[float], None] = time.sleep
monotonic: Callable[[], float] = time.monotonic
utc_now: Callable[[], datetime] = _utc_now


def cloudtrail_client(connection: Connection) -> Any:
    """The CloudTrail client of the connection's account and region."""
    return connection.client("cloudtrail")


# --- the command -----------------------------------------------------------------------------------


def lookback(value: str) -> timedelta:
    """``--since``: a duration (``24h``, ``30d``, ``90m``) within CloudTrail's 90 days of event history."""
    window = duration(value)
    if window > HISTORY:
        raise argparse.ArgumentTypeError(
            f"{value!r} reaches back more than 90 days, and CloudTrail's event history (LookupEvents) keeps "
            "management events for 90 days only; give at most 90d (older events are only in a trail's S3 "
            "bucket or a CloudTrail Lake event data store)"
        )
    return window


def database_table(value: str) -> str:
    """``--table``: ``database.table``, in the lower case Glue stores names in."""
    name = value.strip().lower()
    if not _TABLE.match(name):
        raise argparse.ArgumentTypeError(f"{value!r} is not DATABASE.TABLE, such as customers.profiles")
    return name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's own options: ``--since``, ``--user``, ``--table``.

    The audit group adds ``--format``, ``--json`` and the connection options itself.
    """
    parser.add_argument(
        "--since",
        type=lookback,
        default=DEFAULT_SINCE,
        metavar="DURATION",
        help=f"how far back to look, e.g. 24h, 7d or 90m; at most 90d (default: {DEFAULT_SINCE})",
    )
    parser.add_argument(
        "--user", help="only this person's access (the user name in their role's name, after the prefix)"
    )
    parser.add_argument(
        "--table", type=database_table, metavar="DATABASE.TABLE", help="only access to this table"
    )


def run(args: argparse.Namespace) -> int:
    """List each data access in the window with its person, table, query and explaining request."""
    connection = connect(args)
    settings = load_settings(connection)
    prefix = settings.user_role_prefix
    if args.user and not prefix:
        raise CliError(
            "--user: lakegate's settings name no user role prefix (user_role_prefix), so no role names a "
            "person; filter by --table instead, or deploy with the prefix your per-user roles share",
            USAGE,
        )
    window: timedelta = args.since
    end = utc_now()
    start = end - window
    reader = EventReader(
        cloudtrail_client(connection), sleep=sleep, clock=monotonic, progress=progress_printer(sys.stderr)
    )
    try:
        accesses, skipped = data_access.parse_accesses(reader.lookup(data_access.GET_DATA_ACCESS, start, end))
    except ClientError as error:
        explained = no_cloudtrail_at(error, connection.endpoint_url)
        if explained is None:
            raise
        raise explained from error
    if args.table:
        accesses = [access for access in accesses if access.table_name == args.table]
    queries: dict[str, data_access.QueryStart] = {}
    if any(access.query_id for access in accesses):
        earliest = max(start - QUERY_START_MARGIN, end - HISTORY)
        queries = data_access.parse_queries(reader.lookup(data_access.START_QUERY_EXECUTION, earliest, end))
    requests: list[data_access.GrantedRequest] = []
    if accesses:
        ledger = Ledger(settings.ledger_table, dynamodb=connection.dynamodb())
        requests = data_access.granted_requests(ledger.scan(fields=GRANT_PERIOD_FIELDS))
    rows = data_access.select(
        data_access.audit_rows(accesses, queries, requests, user_role_prefix=prefix), user=args.user
    )
    unexplained = sum(1 for row in rows if row["warning"])
    filters = {name: value for name, value in (("user", args.user), ("table", args.table)) if value}
    document = {
        "accesses": rows,
        "count": len(rows),
        "unexplained": unexplained,
        "window": {"since": _text(window), "start": timestamp(start), "end": timestamp(end)},
        "filters": filters,
        "region": connection.region,
        "skipped_events": skipped,
    }
    matching = "".join(f" with {name} {value}" for name, value in filters.items())
    emit(
        args,
        columns=COLUMNS,
        rows=rows,
        document=document,
        empty=f"No data access{matching} between {timestamp(start)} and {timestamp(end)}.",
    )
    print(
        f"lakegate: {len(rows)} data access{'' if len(rows) == 1 else 'es'}, {unexplained} not explained "
        "by a lakegate request",
        file=sys.stderr,
    )
    return 0


def no_cloudtrail_at(error: ClientError, endpoint_url: str | None) -> CliError | None:
    """The error to show when an emulator (``--endpoint-url``) answers LookupEvents with a server error.

    The sandbox emulates no CloudTrail: there is no event history to audit there.
    """
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if endpoint_url is None or status < 500:
        return None
    return CliError(
        f"CloudTrail's LookupEvents is not available at {endpoint_url} (the sandbox emulates no CloudTrail); "
        "run lakegate audit access against an AWS account",
        AWS_UNREACHABLE,
    )


def _text(window: timedelta) -> str:
    """A window as ``--since`` takes it: ``7d``, ``24h`` or ``90m``."""
    minutes = int(window.total_seconds()) // 60
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


# --- reading CloudTrail ----------------------------------------------------------------------------

Progress = Callable[[str, int, int, bool], None]  # event name, pages read, events read, done


class EventReader:
    """``LookupEvents`` by event name, page after page, paced and retried when throttled."""

    def __init__(
        self,
        cloudtrail: Any,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        interval: float = CALL_INTERVAL,
        progress: Progress | None = None,
    ) -> None:
        self._cloudtrail = cloudtrail
        self._sleep = sleep
        self._clock = clock
        self._interval = interval
        self._progress = progress
        self._last_call: float | None = None
        self.calls = 0

    def lookup(self, event_name: str, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """Every event named ``event_name`` between ``start`` and ``end``, as LookupEvents returns them."""
        arguments: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": event_name}],
            "StartTime": start,
            "EndTime": end,
            "MaxResults": PAGE_SIZE,
        }
        pages = count = 0
        while True:
            response = self._call(arguments)
            events = response.get("Events") or []
            pages += 1
            count += len(events)
            yield from events
            token = response.get("NextToken")
            if self._progress is not None:
                self._progress(event_name, pages, count, not token)
            if not token:
                return
            arguments["NextToken"] = token

    def _call(self, arguments: Mapping[str, Any]) -> Mapping[str, Any]:
        for attempt in range(1, ATTEMPTS + 1):
            self._pace()
            try:
                response: Mapping[str, Any] = self._cloudtrail.lookup_events(**arguments)
                return response
            except ClientError as error:
                if error_code(error) not in THROTTLING_CODES or attempt == ATTEMPTS:
                    raise
                self._sleep(min(2.0 ** (attempt - 1), MAX_BACKOFF))
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _pace(self) -> None:
        """Wait until ``interval`` seconds have passed since the previous call."""
        now = self._clock()
        if self._last_call is not None and now < self._last_call + self._interval:
            self._sleep(self._last_call + self._interval - now)
            now = max(self._clock(), self._last_call + self._interval)
        self._last_call = now
        self.calls += 1


def progress_printer(stream: TextIO) -> Progress | None:
    """Pages read so far, on one line of ``stream`` rewritten as they come; None when it is not a terminal."""
    if not stream.isatty():
        return None

    def report(event_name: str, pages: int, events: int, done: bool) -> None:
        line = f"lakegate: CloudTrail {event_name}: {pages} page{'' if pages == 1 else 's'}, {events} events"
        print(line, end="\n" if done else "\r", file=stream, flush=True)

    return report
