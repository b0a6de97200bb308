"""`lakegate audit access`: CloudTrail (botocore's Stubber) joined with the ledger (moto).

The CloudTrail events follow AWS's documented samples (tests/support/cloudtrail_records.py); the ledger
records go through the ledger's own writes, as the workflow makes them.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from lakegate.audit.access import (
    DataAccess,
    GrantedRequest,
    QueryStart,
    audit_rows,
    data_access,
    explain,
    granted_requests,
    parse_accesses,
    parse_queries,
    query_id_of,
    same_principal,
    select,
)
from lakegate.core import manifest
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate_cli import audit_access
from tests.cli.conftest import Cli
from tests.conftest import LEDGER_TABLE
from tests.support.cloudtrail_records import (
    CONSUMER_ACCOUNT,
    REGION,
    get_data_access,
    get_data_access_by_location,
    lookup_event,
    lookup_page,
    role_arn,
    start_query_execution,
)

PREFIX = "lakegate-user-"
JDOE = role_arn(f"{PREFIX}jdoe")
ASMITH = role_arn(f"{PREFIX}asmith")
BWONG = role_arn(f"{PREFIX}bwong")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # when the audit runs
GRANTED_AT = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)
REVOKED_AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
Q1, Q2, Q3 = (f"{n}3333333-4444-5555-6666-777777777777" for n in (1, 2, 3))


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def grant(
    principal: str, resource: dict[str, Any], permissions: tuple[str, ...] = ("SELECT",)
) -> dict[str, Any]:
    return {"principal": principal, "resource": resource, "permissions": list(permissions), "grantable": []}


def table(database: str, name: str) -> dict[str, Any]:
    return {"Table": {"DatabaseName": database, "Name": name}}


def access(**changes: Any) -> DataAccess:
    """A parsed access: jdoe reading customers.profiles through Athena at 14:00 on the 23rd."""
    fields: dict[str, Any] = {
        "event_id": "e1",
        "at": at(14),
        "database": "customers",
        "table": "profiles",
        "catalog_account": "123456789012",
        "account": CONSUMER_ACCOUNT,
        "role_arn": JDOE,
        "caller_arn": None,
        "query_id": Q1,
        "engine": "ATHENA",
        "job": None,
        "permissions": ("SELECT",),
        **changes,
    }
    return DataAccess(**fields)


def granted(request_id: str, *grants: dict[str, Any], until: datetime | None = None) -> GrantedRequest:
    return GrantedRequest(request_id, grants, ((GRANTED_AT, until),))


# --- reading the records -------------------------------------------------------------------------


def test_an_athena_access_is_read_from_the_documented_fields() -> None:
    record = get_data_access(role=JDOE, database="customers", table="profiles", at=at(14), query_id=Q1)

    parsed = data_access(record, lookup_event(record))

    assert parsed == DataAccess(
        event_id=record["eventID"],
        at=at(14),
        database="customers",
        table="profiles",
        catalog_account="123456789012",
        account=CONSUMER_ACCOUNT,
        role_arn=JDOE,
        caller_arn=None,  # the owner account's copy names the consumer account, not the session
        query_id=Q1,
        engine="ATHENA",
        job=None,
        permissions=("SELECT",),
    )


@pytest.mark.parametrize(
    ("engine", "expected_engine", "job"),
    [
        ("glue", "GLUE_ETL", "jr_0123456789abcdef/"),
        ("emr", "EMR_SERVERLESS", "00j/00a"),
        ("redshift", "REDSHIFT", None),
    ],
)
def test_glue_emr_and_redshift_accesses_carry_no_query_id(
    engine: Any, expected_engine: str, job: str | None
) -> None:
    record = get_data_access(role=JDOE, database="sales", table="orders", at=at(15), engine=engine)

    parsed = data_access(record)

    assert parsed is not None
    assert (parsed.query_id, parsed.engine, parsed.job, parsed.table_name) == (
        None,
        expected_engine,
        job,
        "sales.orders",
    )


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (f"{{queryId: {Q1}}}", Q1),  # Athena: loose text, not JSON
        (json.dumps({"invokedBy": "arn:aws:redshift:x", "queryId": "NULL", "transactionId": "3309"}), None),
        (json.dumps({"queryId": "4711", "transactionId": "3309"}), "4711"),
        (json.dumps({"platformType": "GLUE_ETL", "jobIdentifier": "jr_1/"}), None),
        ("", None),
    ],
)
def test_the_query_id_comes_from_the_audit_context_in_either_form(context: str, expected: str | None) -> None:
    assert query_id_of({"auditContext": {"additionalAuditContext": context}}) == expected
    assert query_id_of({}) is None


def test_without_lake_formations_principal_the_role_is_the_sessions_issuer() -> None:
    """In the caller's own account the session's issuer names the role, IAM path included."""
    with_path = role_arn(f"{PREFIX}jdoe", path="/analysts/")
    record = get_data_access(
        role=with_path, database="customers", table="profiles", at=at(14), query_id=Q1, same_account=True
    )
    del record["additionalEventData"]["lakeFormationPrincipal"]

    parsed = data_access(record)

    assert parsed is not None
    assert parsed.role_arn == with_path
    assert parsed.caller_arn == f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/{PREFIX}jdoe/analysis"


def test_refused_location_and_unreadable_events_are_skipped_and_each_access_counted_once() -> None:
    read = get_data_access(role=JDOE, database="customers", table="profiles", at=at(14), query_id=Q1)
    refused = get_data_access(
        role=BWONG,
        database="hr",
        table="salaries",
        at=at(14),
        query_id=Q2,
        error_code="AccessDeniedException",
    )
    events = [
        lookup_event(read),
        lookup_event(read),  # the same event on two pages
        lookup_event(refused),
        lookup_event(get_data_access_by_location(role=JDOE, at=at(14))),
        {"EventId": "broken", "CloudTrailEvent": "{not json"},
    ]

    accesses, skipped = parse_accesses(events)

    assert [parsed.event_id for parsed in accesses] == [read["eventID"]]
    assert skipped == {"refused": 1, "not_a_table": 1, "unreadable": 1}


def test_query_starts_are_keyed_by_query_execution_id_and_failed_starts_left_out() -> None:
    started = start_query_execution(role=JDOE, query_id=Q1, at=at(13, 59), workgroup="analysts")
    failed = start_query_execution(role=JDOE, query_id=Q2, at=at(13, 59))
    failed["errorCode"] = "InvalidRequestException"
    failed["responseElements"] = None

    queries = parse_queries([lookup_event(started), lookup_event(failed)])

    assert queries == {
        Q1: QueryStart(
            query_id=Q1,
            at=at(13, 59),
            event_id=started["eventID"],
            role_arn=JDOE,
            caller_arn=f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/{PREFIX}jdoe/analysis",
            workgroup="analysts",
            database="customers",
        )
    }


# --- explaining accesses -------------------------------------------------------------------------


def test_roles_are_compared_by_account_and_name_whatever_the_path_or_session() -> None:
    with_path = role_arn(f"{PREFIX}jdoe", path="/analysts/")
    assumed = f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/{PREFIX}jdoe/analysis"

    assert same_principal(with_path, assumed)
    assert same_principal(with_path, JDOE)
    assert not same_principal(JDOE, role_arn(f"{PREFIX}jdoe", account="777777777777"))
    assert not same_principal(JDOE, ASMITH)


@pytest.mark.parametrize(
    "resource",
    [
        table("customers", "profiles"),
        {"Table": {"DatabaseName": "customers", "TableWildcard": {}}},
        {"TableWithColumns": {"DatabaseName": "customers", "Name": "profiles", "ColumnNames": ["id"]}},
    ],
)
@pytest.mark.parametrize("principal", [JDOE, role_arn(f"{PREFIX}jdoe", path="/analysts/"), CONSUMER_ACCOUNT])
def test_a_grant_of_the_table_to_the_role_or_its_account_explains_the_access(
    resource: dict[str, Any], principal: str
) -> None:
    explanation = explain(access(), [granted("r1", grant(principal, resource))])

    assert (explanation.request_ids, explanation.warning) == (("r1",), None)


@pytest.mark.parametrize(
    "unrelated",
    [
        grant(JDOE, {"Database": {"Name": "customers"}}, ("DESCRIBE",)),  # reads no table data
        grant(JDOE, table("customers", "orders")),
        grant(JDOE, table("sales", "profiles")),
        grant(ASMITH, table("customers", "profiles")),
        grant("777777777777", table("customers", "profiles")),
        grant(JDOE, table("customers", "profiles"), ("DESCRIBE",)),
    ],
)
def test_grants_of_something_else_do_not_explain_the_access(unrelated: dict[str, Any]) -> None:
    explanation = explain(access(), [granted("r1", unrelated)])

    assert explanation.request_ids == ()
    assert explanation.warning == f"no lakegate request grants {JDOE} access to customers.profiles"


def test_an_access_after_the_revocation_is_flagged_naming_the_revoked_request() -> None:
    revoked = granted("r1", grant(JDOE, table("customers", "profiles")), until=REVOKED_AT)

    assert explain(access(at=at(15)), [revoked]).request_ids == ("r1",)  # the moment of revocation
    explanation = explain(access(at=at(15, 1)), [revoked])

    assert explanation.request_ids == ()
    assert explanation.warning == (
        f"no lakegate request grants {JDOE} access to customers.profiles "
        "(at 2026-11-23T15:01:00+00:00: request r1 was revoked at 2026-11-23T15:00:00+00:00)"
    )


def test_an_access_before_the_grant_is_flagged() -> None:
    explanation = explain(
        access(at=at(12, day=22)), [granted("r1", grant(JDOE, table("customers", "profiles")))]
    )

    assert explanation.warning == (
        f"no lakegate request grants {JDOE} access to customers.profiles "
        "(at 2026-11-22T12:00:00+00:00: request r1 was granted only at 2026-11-22T13:00:00+00:00)"
    )


def test_a_request_granted_again_explains_access_in_either_period() -> None:
    regranted = GrantedRequest(
        "r1",
        (grant(JDOE, table("customers", "profiles")),),
        ((GRANTED_AT, REVOKED_AT), (at(18), None)),
    )

    assert [explain(access(at=moment), [regranted]).request_ids for moment in (at(14), at(16), at(19))] == [
        ("r1",),
        (),
        ("r1",),
    ]


def test_without_the_role_in_the_event_only_a_grant_to_the_account_explains_it() -> None:
    unnamed = access(role_arn=None)
    to_role = granted("r1", grant(JDOE, table("customers", "profiles")))
    to_account = granted("r2", grant(CONSUMER_ACCOUNT, table("customers", "profiles")))

    assert explain(unnamed, [to_role, to_account]).request_ids == ("r2",)
    assert explain(unnamed, [to_role]).warning == (
        f"no lakegate request grants account {CONSUMER_ACCOUNT} access to customers.profiles "
        f"(request r1 grants role {JDOE}, but the event does not name the role: the consumer account "
        "has not opted in to share principal ARNs)"
    )


def test_the_most_recently_granted_request_comes_first() -> None:
    older = granted(
        "older", grant(CONSUMER_ACCOUNT, {"Table": {"DatabaseName": "customers", "TableWildcard": {}}})
    )
    newer = GrantedRequest("newer", (grant(JDOE, table("customers", "profiles")),), ((at(9), None),))

    assert explain(access(), [older, newer]).request_ids == ("newer", "older")


def test_ledger_records_become_grant_periods_from_their_history() -> None:
    def entry(status: Status, moment: datetime) -> dict[str, str]:
        return {"status": status.value, "at": moment.isoformat(), "by": "lakegate", "reason": "-"}

    records = [
        {
            "request_id": "revoked",
            "grants": [grant(JDOE, table("customers", "profiles"))],
            "history": [
                entry(Status.RECEIVED, at(12, day=22)),
                entry(Status.GRANTED, GRANTED_AT),
                entry(Status.REVOKED, REVOKED_AT),
            ],
            "revoked_at": REVOKED_AT.isoformat(),
        },
        {
            "request_id": "in-force",
            "grants": [grant(JDOE, table("customers", "profiles"))],
            "history": [entry(Status.RECEIVED, at(12, day=22)), entry(Status.GRANTED, GRANTED_AT)],
        },
        {"request_id": "denied", "history": [entry(Status.DENIED, GRANTED_AT)]},
        {"request_id": "failed", "grants": [], "history": [entry(Status.FAILED, GRANTED_AT)]},
    ]

    assert [(r.request_id, r.periods) for r in granted_requests(records)] == [
        ("revoked", ((GRANTED_AT, REVOKED_AT),)),
        ("in-force", ((GRANTED_AT, None),)),
    ]


def test_rows_name_the_person_join_the_query_and_borrow_its_role_when_the_access_names_none() -> None:
    query = QueryStart(
        Q1,
        at(13, 59),
        "q-event",
        JDOE,
        f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/x/y",
        "wg",
        "customers",
    )
    requests = [granted("r1", grant(JDOE, table("customers", "profiles")))]

    named, unnamed, no_query = audit_rows(
        [access(), access(event_id="e2", role_arn=None), access(event_id="e3", query_id=None)],
        {Q1: query},
        requests,
        user_role_prefix=PREFIX,
    )

    assert {key: named[key] for key in ("user", "role", "table", "query_id", "request_id", "warning")} == {
        "user": "jdoe",
        "role": JDOE,
        "table": "customers.profiles",
        "query_id": Q1,
        "request_id": "r1",
        "warning": None,
    }
    assert named["query"] == {
        "query_id": Q1,
        "started_at": "2026-11-23T13:59:00+00:00",
        "event_id": "q-event",
        "role": JDOE,
        "caller": f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/x/y",
        "workgroup": "wg",
        "database": "customers",
    }
    assert (unnamed["user"], unnamed["role"], unnamed["request_id"]) == ("jdoe", JDOE, "r1")
    assert (no_query["query_id"], no_query["query"], no_query["request_id"]) == (None, None, "r1")
    assert audit_rows([access()], {}, requests, user_role_prefix="")[0]["user"] is None


def test_rows_are_selected_by_person_and_table() -> None:
    rows = [
        {"user": "jdoe", "table": "customers.profiles"},
        {"user": "asmith", "table": "customers.profiles"},
        {"user": "jdoe", "table": "sales.orders"},
    ]

    assert select(rows, user="jdoe") == [rows[0], rows[2]]
    assert select(rows, table="customers.profiles") == rows[:2]
    assert select(rows, user="jdoe", table="sales.orders") == [rows[2]]
    assert select(rows) == rows


# --- reading CloudTrail ---------------------------------------------------------------------------


class FakeTime:
    """A clock that moves only when slept on, recording each sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def lookup_params(
    event_name: str, start: datetime, end: datetime, token: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": event_name}],
        "StartTime": start,
        "EndTime": end,
        "MaxResults": 50,
    }
    if token:
        params["NextToken"] = token
    return params


@pytest.fixture
def cloudtrail() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudtrail", region_name=REGION)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def throttled(stubber: Stubber, params: dict[str, Any]) -> None:
    stubber.add_client_error(
        "lookup_events",
        service_error_code="ThrottlingException",
        service_message="Rate exceeded",
        http_status_code=400,
        expected_params=params,
    )


def test_pages_are_followed_one_call_per_half_second(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    start, end = NOW - timedelta(hours=24), NOW
    records = [
        get_data_access(role=JDOE, database="customers", table="profiles", at=at(h), query_id=Q1)
        for h in (13, 14, 15)
    ]
    stubber.add_response(
        "lookup_events", lookup_page(records[2:], "t1"), lookup_params("GetDataAccess", start, end)
    )
    stubber.add_response(
        "lookup_events", lookup_page(records[1:2], "t2"), lookup_params("GetDataAccess", start, end, "t1")
    )
    stubber.add_response(
        "lookup_events", lookup_page(records[:1]), lookup_params("GetDataAccess", start, end, "t2")
    )
    clock = FakeTime()
    progress: list[tuple[str, int, int, bool]] = []
    reader = audit_access.EventReader(
        client, sleep=clock.sleep, clock=clock.monotonic, progress=lambda *report: progress.append(report)
    )

    events = list(reader.lookup("GetDataAccess", start, end))

    assert [event["EventId"] for event in events] == [r["eventID"] for r in reversed(records)]
    assert (reader.calls, clock.sleeps) == (3, [0.5, 0.5])
    assert progress == [
        ("GetDataAccess", 1, 1, False),
        ("GetDataAccess", 2, 2, False),
        ("GetDataAccess", 3, 3, True),
    ]


def test_a_throttled_call_is_retried_with_backoff(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    start, end = NOW - timedelta(hours=1), NOW
    params = lookup_params("StartQueryExecution", start, end)
    throttled(stubber, params)
    throttled(stubber, params)
    stubber.add_response("lookup_events", lookup_page([]), params)
    clock = FakeTime()
    reader = audit_access.EventReader(client, sleep=clock.sleep, clock=clock.monotonic)

    assert list(reader.lookup("StartQueryExecution", start, end)) == []
    assert (reader.calls, clock.sleeps) == (3, [1.0, 2.0])


def test_throttling_that_does_not_end_is_raised(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    start, end = NOW - timedelta(hours=1), NOW
    for _ in range(audit_access.ATTEMPTS):
        throttled(stubber, lookup_params("GetDataAccess", start, end))
    clock = FakeTime()
    reader = audit_access.EventReader(client, sleep=clock.sleep, clock=clock.monotonic)

    with pytest.raises(ClientError, match="ThrottlingException"):
        list(reader.lookup("GetDataAccess", start, end))
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_progress_goes_to_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    report = audit_access.progress_printer(terminal)
    assert report is not None
    report("GetDataAccess", 1, 50, False)
    report("GetDataAccess", 2, 73, True)

    assert terminal.getvalue() == (
        "lakegate: CloudTrail GetDataAccess: 1 page, 50 events\r"
        "lakegate: CloudTrail GetDataAccess: 2 pages, 73 events\n"
    )
    assert audit_access.progress_printer(io.StringIO()) is None


def test_since_reaches_back_90_days_at_most() -> None:
    assert audit_access.lookback("90d") == timedelta(days=90)
    assert audit_access.lookback("36h") == timedelta(hours=36)
    with pytest.raises(argparse.ArgumentTypeError, match="more than 90 days"):
        audit_access.lookback("91d")


# --- the command, end to end ------------------------------------------------------------------------


def publish_settings(prefix: str = PREFIX) -> None:
    """The central settings parameter as the stack writes it (written again to change the prefix)."""
    settings = {
        "state_machine_arn": f"arn:aws:states:{REGION}:123456789012:stateMachine:lakegate-access-request",
        "ledger_table": LEDGER_TABLE,
        "decision_api_url": "https://links.example",
        "owner_decision_url": "https://owner.example",
        "notification_topic_arn": f"arn:aws:sns:{REGION}:123456789012:lakegate-consumer-notifications",
        "user_role_prefix": prefix,
    }
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=manifest.CENTRAL_SETTINGS_PARAMETER,
        Type="String",
        Value=json.dumps(settings),
        Overwrite=True,
    )


def record_request(
    ledger: Ledger, request_id: str, grants: list[dict[str, Any]], *, revoked_at: datetime | None = None
) -> None:
    """A request created, granted and perhaps revoked, through the ledger's own writes."""
    ledger.create(
        request_id,
        {"request": {"id": request_id}},
        by="alice",
        reason="asked",
        now=GRANTED_AT - timedelta(hours=1),
    )
    ledger.transition(
        request_id,
        to=Status.GRANTED,
        by="lakegate",
        reason="granted",
        now=GRANTED_AT,
        set_fields={"grants": grants},
    )
    if revoked_at:
        ledger.transition(
            request_id,
            to=Status.REVOKED,
            by="pat",
            reason="project ended",
            now=revoked_at,
            set_fields={"revoked_at": revoked_at.isoformat(timespec="seconds")},
        )


class Scene:
    """Four accesses on the 23rd, a refused one, three Athena queries, and three ledger requests."""

    jdoe_reads = get_data_access(role=JDOE, database="customers", table="profiles", at=at(14), query_id=Q1)
    jdoe_job = get_data_access(role=JDOE, database="sales", table="orders", at=at(15, 30), engine="glue")
    asmith_reads = get_data_access(role=ASMITH, database="hr", table="salaries", at=at(16), query_id=Q2)
    bwong_reads = get_data_access(role=BWONG, database="customers", table="profiles", at=at(17), query_id=Q3)
    refused = get_data_access(
        role=BWONG,
        database="hr",
        table="salaries",
        at=at(17, 5),
        query_id=Q3,
        error_code="AccessDeniedException",
    )
    queries: ClassVar[list[dict[str, Any]]] = [
        start_query_execution(role=JDOE, query_id=Q1, at=at(13, 59, 58)),
        start_query_execution(role=ASMITH, query_id=Q2, at=at(15, 59, 59), workgroup="hr", database="hr"),
        start_query_execution(role=BWONG, query_id=Q3, at=at(16, 59, 59)),
    ]


@pytest.fixture
def scene(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, cloudtrail: tuple[Any, Stubber]
) -> Iterator[tuple[Stubber, FakeTime]]:
    """The settings, the ledger and a stubbed CloudTrail the command reads; the clock it sleeps on."""
    publish_settings()
    record_request(ledger, "customers-profiles-1111111111", [grant(JDOE, table("customers", "profiles"))])
    record_request(
        ledger,
        "sales-all-2222222222",
        [
            grant(CONSUMER_ACCOUNT, {"Database": {"Name": "sales"}}, ("DESCRIBE",)),
            grant(
                CONSUMER_ACCOUNT,
                {"Table": {"DatabaseName": "sales", "TableWildcard": {}}},
                ("SELECT", "DESCRIBE"),
            ),
        ],
    )
    record_request(
        ledger, "hr-salaries-3333333333", [grant(ASMITH, table("hr", "salaries"))], revoked_at=REVOKED_AT
    )
    client, stubber = cloudtrail
    clock = FakeTime()
    monkeypatch.setattr(audit_access, "cloudtrail_client", lambda connection: client)
    monkeypatch.setattr(audit_access, "utc_now", lambda: NOW)
    monkeypatch.setattr(audit_access, "sleep", clock.sleep)
    monkeypatch.setattr(audit_access, "monotonic", clock.monotonic)
    yield stubber, clock


def expect_lookups(stubber: Stubber, *, since: timedelta = timedelta(hours=24), queries: bool = True) -> None:
    """Two pages of GetDataAccess, then (when an access has a query id) two of StartQueryExecution."""
    start = NOW - since
    stubber.add_response(
        "lookup_events",
        lookup_page([Scene.bwong_reads, Scene.refused, Scene.asmith_reads], "page-2"),
        lookup_params("GetDataAccess", start, NOW),
    )
    stubber.add_response(
        "lookup_events",
        lookup_page([Scene.jdoe_job, Scene.jdoe_reads]),
        lookup_params("GetDataAccess", start, NOW, "page-2"),
    )
    if queries:
        query_start = start - timedelta(minutes=15)
        stubber.add_response(
            "lookup_events",
            lookup_page(Scene.queries[1:], "more"),
            lookup_params("StartQueryExecution", query_start, NOW),
        )
        stubber.add_response(
            "lookup_events",
            lookup_page(Scene.queries[:1]),
            lookup_params("StartQueryExecution", query_start, NOW, "more"),
        )


REVOKED_WARNING = (
    f"no lakegate request grants {ASMITH} access to hr.salaries (at 2026-11-23T16:00:00+00:00: request "
    "hr-salaries-3333333333 was revoked at 2026-11-23T15:00:00+00:00)"
)
UNGRANTED_WARNING = f"no lakegate request grants {BWONG} access to customers.profiles"
EXPECTED_CSV = [
    {
        "time": "2026-11-23T14:00:00+00:00",
        "user": "jdoe",
        "role": JDOE,
        "table": "customers.profiles",
        "query_id": Q1,
        "request_id": "customers-profiles-1111111111",
        "warning": "",
    },
    {
        "time": "2026-11-23T15:30:00+00:00",
        "user": "jdoe",
        "role": JDOE,
        "table": "sales.orders",
        "query_id": "",
        "request_id": "sales-all-2222222222",
        "warning": "",
    },
    {
        "time": "2026-11-23T16:00:00+00:00",
        "user": "asmith",
        "role": ASMITH,
        "table": "hr.salaries",
        "query_id": Q2,
        "request_id": "",
        "warning": REVOKED_WARNING,
    },
    {
        "time": "2026-11-23T17:00:00+00:00",
        "user": "bwong",
        "role": BWONG,
        "table": "customers.profiles",
        "query_id": Q3,
        "request_id": "",
        "warning": UNGRANTED_WARNING,
    },
]


@pytest.mark.integration
def test_csv_has_one_row_per_access_with_its_request_or_warning(
    cli: Cli, scene: tuple[Stubber, FakeTime]
) -> None:
    stubber, clock = scene
    expect_lookups(stubber)

    result = cli("audit", "access", "--format", "csv")

    assert result.code == 0, result.err
    assert result.lines[0] == "time,user,role,table,query_id,request_id,warning"
    assert list(csv.DictReader(io.StringIO(result.out))) == EXPECTED_CSV
    assert result.err == "lakegate: 4 data accesses, 2 not explained by a lakegate request\n"
    assert clock.sleeps == [0.5, 0.5, 0.5]  # four LookupEvents calls, one per half second


@pytest.mark.integration
def test_json_holds_the_full_rows_the_window_and_the_filters(
    cli: Cli, scene: tuple[Stubber, FakeTime]
) -> None:
    stubber, _ = scene
    expect_lookups(stubber)

    result = cli("--json", "audit", "access", "--since", "24h")

    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert {
        key: document[key]
        for key in ("count", "unexplained", "window", "filters", "region", "skipped_events")
    } == {
        "count": 4,
        "unexplained": 2,
        "window": {"since": "1d", "start": "2026-11-23T12:00:00+00:00", "end": "2026-11-24T12:00:00+00:00"},
        "filters": {},
        "region": REGION,
        "skipped_events": {"refused": 1},
    }
    rows = document["accesses"]
    assert [{key: row[key] or "" for key in EXPECTED_CSV[0]} for row in rows] == EXPECTED_CSV
    jdoe, job, asmith, _ = rows
    assert jdoe == {
        "time": "2026-11-23T14:00:00+00:00",
        "user": "jdoe",
        "role": JDOE,
        "account": CONSUMER_ACCOUNT,
        "table": "customers.profiles",
        "catalog_account": "123456789012",
        "query_id": Q1,
        "request_id": "customers-profiles-1111111111",
        "request_ids": ["customers-profiles-1111111111"],
        "warning": None,
        "engine": "ATHENA",
        "job": None,
        "permissions": ["SELECT"],
        "caller": None,
        "event_id": Scene.jdoe_reads["eventID"],
        "query": {
            "query_id": Q1,
            "started_at": "2026-11-23T13:59:58+00:00",
            "event_id": Scene.queries[0]["eventID"],
            "role": JDOE,
            "caller": f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/{PREFIX}jdoe/analysis",
            "workgroup": "primary",
            "database": "customers",
        },
    }
    assert (job["engine"], job["job"], job["query"]) == ("GLUE_ETL", "jr_0123456789abcdef/", None)
    assert (asmith["query"]["workgroup"], asmith["query"]["database"]) == ("hr", "hr")


@pytest.mark.integration
def test_the_table_shows_warnings_and_empty_cells_as_dashes(
    cli: Cli, scene: tuple[Stubber, FakeTime]
) -> None:
    stubber, _ = scene
    expect_lookups(stubber)

    result = cli("audit", "access")

    assert result.code == 0, result.err
    assert result.lines[0].split() == ["TIME", "USER", "ROLE", "TABLE", "QUERY", "ID", "REQUEST", "WARNING"]
    assert result.lines[2].split() == [
        "2026-11-23T15:30:00+00:00", "jdoe", JDOE, "sales.orders", "-", "sales-all-2222222222", "-",
    ]  # fmt: skip
    assert result.lines[3].endswith(REVOKED_WARNING)
    assert len(result.lines) == 5


@pytest.mark.integration
def test_filters_by_person_and_table(cli: Cli, scene: tuple[Stubber, FakeTime]) -> None:
    stubber, _ = scene
    expect_lookups(stubber)

    result = cli("audit", "access", "--user", "jdoe", "--table", "Customers.Profiles", "--format", "json")

    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["filters"] == {"user": "jdoe", "table": "customers.profiles"}
    assert [(row["user"], row["table"], row["request_id"]) for row in document["accesses"]] == [
        ("jdoe", "customers.profiles", "customers-profiles-1111111111")
    ]
    assert result.err == "lakegate: 1 data access, 0 not explained by a lakegate request\n"


@pytest.mark.integration
def test_accesses_without_query_ids_need_no_athena_lookup(cli: Cli, scene: tuple[Stubber, FakeTime]) -> None:
    stubber, _ = scene
    expect_lookups(stubber, since=timedelta(days=7), queries=False)

    result = cli("audit", "access", "--since", "7d", "--table", "sales.orders", "--format", "csv")

    assert result.code == 0, result.err
    assert list(csv.DictReader(io.StringIO(result.out))) == [EXPECTED_CSV[1]]


@pytest.mark.integration
def test_a_throttled_lookup_is_retried(cli: Cli, scene: tuple[Stubber, FakeTime]) -> None:
    stubber, clock = scene
    throttled(stubber, lookup_params("GetDataAccess", NOW - timedelta(hours=24), NOW))
    expect_lookups(stubber)

    result = cli("audit", "access", "--format", "csv")

    assert result.code == 0, result.err
    assert list(csv.DictReader(io.StringIO(result.out))) == EXPECTED_CSV
    assert clock.sleeps == [1.0, 0.5, 0.5, 0.5]


@pytest.mark.integration
def test_no_access_in_the_window_says_so(cli: Cli, scene: tuple[Stubber, FakeTime]) -> None:
    stubber, _ = scene
    stubber.add_response(
        "lookup_events", {"Events": []}, lookup_params("GetDataAccess", NOW - timedelta(hours=2), NOW)
    )

    result = cli("audit", "access", "--since", "2h")

    assert (result.code, result.out) == (
        0,
        "No data access between 2026-11-24T10:00:00+00:00 and 2026-11-24T12:00:00+00:00.\n",
    )


@pytest.mark.integration
def test_since_beyond_90_days_is_a_usage_error_naming_the_option(
    cli: Cli, scene: tuple[Stubber, FakeTime]
) -> None:
    result = cli("audit", "access", "--since", "120d")

    assert result.code == 2
    assert result.out == ""
    assert "--since" in result.err
    assert "'120d' reaches back more than 90 days" in result.err
    assert len(result.err.splitlines()) == 1


@pytest.mark.integration
def test_a_user_filter_without_a_role_prefix_is_refused(cli: Cli, scene: tuple[Stubber, FakeTime]) -> None:
    publish_settings(prefix="")

    result = cli("audit", "access", "--user", "jdoe")

    assert result.code == 2
    assert result.err.startswith("lakegate: --user: lakegate's settings name no user role prefix")


def test_an_emulator_without_cloudtrail_is_said_plainly_and_real_aws_errors_pass_through() -> None:
    emulator_error = ClientError(
        {"Error": {"Code": "500", "Message": "<!doctype html>"}, "ResponseMetadata": {"HTTPStatusCode": 500}},
        "LookupEvents",
    )
    denied = ClientError(
        {
            "Error": {"Code": "AccessDeniedException", "Message": "no"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "LookupEvents",
    )

    explained = audit_access.no_cloudtrail_at(emulator_error, "http://127.0.0.1:4566")

    assert explained is not None
    assert explained.message.startswith(
        "CloudTrail's LookupEvents is not available at http://127.0.0.1:4566 (the sandbox emulates no "
        "CloudTrail)"
    )
    assert explained.exit_code == 3
    assert (
        audit_access.no_cloudtrail_at(emulator_error, None) is None
    )  # AWS itself: a real fault, shown as is
    assert audit_access.no_cloudtrail_at(denied, "http://127.0.0.1:4566") is None
