"""Who read which table, through which query, under which lakegate request: pure logic, no AWS calls.

The inputs are CloudTrail management events as ``LookupEvents`` returns them (each result carries
the CloudTrail record as the JSON string ``CloudTrailEvent``) and ledger records:

* Lake Formation's ``GetDataAccess`` event is logged whenever an engine (Athena, Redshift
  Spectrum, EMR, a Glue job) asks Lake Formation for credentials to read a table:
  ``requestParameters.tableArn`` names the table, ``additionalEventData.lakeFormationPrincipal``
  the principal whose grants Lake Formation evaluated, and Athena puts its query execution id in
  ``requestParameters.auditContext.additionalAuditContext`` as the loose text ``{queryId: <id>}``
  (other engines write JSON there, or nothing). When a principal of another account reads a
  shared table, the event copied to the owner's account names only that account unless the
  consumer account opted in to share principal ARNs.
* Athena's ``StartQueryExecution`` event names the query's caller (``userIdentity``, an
  assumed-role ARN with ``sessionContext.sessionIssuer``) and ``responseElements.queryExecutionId``;
  its ``requestParameters.queryString`` is ``***OMITTED***`` by design, so only the work group and
  the query's default database are kept.

An access is explained by a ledger request when one of the request's grants covers the table for
the reading principal (the role, compared by account and role name since assumed-role ARNs drop
the IAM path, or its account when the grant went to the account) with the permissions read, and
the request was granted at the time of the access.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lakegate.core.identifiers import is_account_id
from lakegate.core.people import person_for, role_account, role_arn_of, role_name
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status import Status
from lakegate.ledger.store import timestamp

GET_DATA_ACCESS = "GetDataAccess"
START_QUERY_EXECUTION = "StartQueryExecution"
LAKE_FORMATION_SOURCE = "lakeformation.amazonaws.com"
ATHENA_SOURCE = "athena.amazonaws.com"
# The ledger fields the explanation needs.

# arn:aws:glue:<region>:<catalog account>:table/<database>/<table>
_TABLE_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:glue:[a-z0-9-]+:(?P<catalog>\d{12}):table/(?P<database>[^/]+)/(?P<table>[^/]+)$"
)
# Athena writes ``{queryId: <id>}``; Redshift Serverless writes JSON with "queryId":"NULL" when it has none.
_QUERY_ID = re.compile(r"""["']?queryId["']?\s*:\s*["']?(?P<id>[^"',}\s]+)""")
_NO_QUERY_ID = frozenset({"", "null", "none"})
# Permissions that let a principal read a table's data; a grant with ALL allows every permission.
_READ = "SELECT"
_ALL = "ALL"


@dataclass(frozen=True)
class DataAccess:
    """One ``GetDataAccess`` event: credentials Lake Formation vended to read one table."""

    event_id: str
    at: datetime
    database: str
    table: str
    catalog_account: str
    account: str | None  # the reading principal's account
    role_arn: str | None  # the principal Lake Formation evaluated grants for; None when not logged
    caller_arn: str | None  # userIdentity.arn: the session that asked
    query_id: str | None
    engine: str | None  # requesterService, or the platformType of the audit context
    job: str | None  # jobIdentifier of the audit context (EMR, Glue)
    permissions: tuple[str, ...]

    @property
    def table_name(self) -> str:
        return f"{self.database}.{self.table}"


@dataclass(frozen=True)
class QueryStart:
    """One ``StartQueryExecution`` event: an Athena query and who started it."""

    query_id: str
    at: datetime
    event_id: str
    role_arn: str | None
    caller_arn: str | None
    workgroup: str | None
    database: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_id": self.query_id,
            "started_at": timestamp(self.at),
            "event_id": self.event_id,
            "role": self.role_arn,
            "caller": self.caller_arn,
            "workgroup": self.workgroup,
            "database": self.database,
        }


@dataclass(frozen=True)
class GrantedRequest:
    """A ledger request that made grants, and when they held: (granted at, revoked at or None)."""

    request_id: str
    grants: tuple[Mapping[str, Any], ...]
    periods: tuple[tuple[datetime, datetime | None], ...]

    def granted_at(self, moment: datetime) -> bool:
        """Whether the grants held at ``moment``: granted at or before it, not revoked before it."""
        return any(start <= moment and (end is None or end >= moment) for start, end in self.periods)


@dataclass(frozen=True)
class Explanation:
    request_ids: tuple[str, ...]  # the requests whose grants allowed the access, most recent first
    warning: str | None


# --- reading CloudTrail events -----------------------------------------------------------------


def cloudtrail_record(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The CloudTrail record of one ``LookupEvents`` result (its ``CloudTrailEvent`` JSON string)."""
    text = event.get("CloudTrailEvent")
    if not isinstance(text, str):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def parse_accesses(events: Iterable[Mapping[str, Any]]) -> tuple[list[DataAccess], dict[str, int]]:
    """The table reads among ``GetDataAccess`` results, once each, and the skipped events by reason.

    Skipped: refused requests (an ``errorCode``: Lake Formation vended nothing), requests for an
    S3 data location rather than a table (``dataLocations``), and records that cannot be read.
    """
    accesses: dict[str, DataAccess] = {}
    skipped: Counter[str] = Counter()
    for event in events:
        record = cloudtrail_record(event)
        if record is None or record.get("eventSource") != LAKE_FORMATION_SOURCE:
            skipped["unreadable"] += 1
            continue
        if record.get("errorCode"):
            skipped["refused"] += 1
            continue
        try:
            access = data_access(record, event)
        except ValueError:
            skipped["unreadable"] += 1
            continue
        if access is None:
            skipped["not_a_table"] += 1
            continue
        accesses.setdefault(access.event_id, access)
    return sorted(accesses.values(), key=lambda access: (access.at, access.event_id)), dict(skipped)


def data_access(record: Mapping[str, Any], event: Mapping[str, Any] | None = None) -> DataAccess | None:
    """The table read of one ``GetDataAccess`` record; None when it names no Glue table."""
    parameters = _mapping(record.get("requestParameters"))
    match = _TABLE_ARN.match(str(parameters.get("tableArn") or ""))
    if match is None:
        return None
    identity = _mapping(record.get("userIdentity"))
    extra = _mapping(record.get("additionalEventData"))
    context = _audit_context(parameters)
    role = _string(extra.get("lakeFormationPrincipal")) or _session_role(identity)
    engine = _string(extra.get("requesterService"))
    if engine in (None, "UNKNOWN"):
        engine = _string(context.get("platformType")) or engine
    return DataAccess(
        event_id=_event_id(record, event),
        at=_event_time(record, event),
        database=match.group("database").lower(),
        table=match.group("table").lower(),
        catalog_account=match.group("catalog"),
        account=(role_account(role) if role else None) or _string(identity.get("accountId")),
        role_arn=role,
        caller_arn=_string(identity.get("arn")),
        query_id=query_id_of(parameters),
        engine=engine,
        job=_string(context.get("jobIdentifier")),
        permissions=tuple(str(permission) for permission in parameters.get("permissions") or ()),
    )


def query_id_of(parameters: Mapping[str, Any]) -> str | None:
    """The query id an engine put in ``auditContext.additionalAuditContext``, if any."""
    text = _mapping(parameters.get("auditContext")).get("additionalAuditContext")
    if not isinstance(text, str):
        return None
    match = _QUERY_ID.search(text)
    if match is None or match.group("id").lower() in _NO_QUERY_ID:
        return None
    return match.group("id")


def parse_queries(events: Iterable[Mapping[str, Any]]) -> dict[str, QueryStart]:
    """Athena queries by query execution id, from ``StartQueryExecution`` results (failed starts left out)."""
    queries: dict[str, QueryStart] = {}
    for event in events:
        record = cloudtrail_record(event)
        if record is None or record.get("eventSource") != ATHENA_SOURCE or record.get("errorCode"):
            continue
        query_id = _string(_mapping(record.get("responseElements")).get("queryExecutionId"))
        if query_id is None:
            continue
        parameters = _mapping(record.get("requestParameters"))
        identity = _mapping(record.get("userIdentity"))
        try:
            started = _event_time(record, event)
        except ValueError:
            continue
        queries.setdefault(
            query_id,
            QueryStart(
                query_id=query_id,
                at=started,
                event_id=_event_id(record, event),
                role_arn=_session_role(identity),
                caller_arn=_string(identity.get("arn")),
                workgroup=_string(parameters.get("workGroup")),
                database=_string(_mapping(parameters.get("queryExecutionContext")).get("database")),
            ),
        )
    return queries


# --- the ledger ----------------------------------------------------------------------------------


def granted_requests(records: Iterable[LedgerRecord]) -> list[GrantedRequest]:
    """The ledger requests that made grants, with the periods their grants held.

    A GRANTED history entry starts a period and a REVOKED one ends it; a record revoked without
    a history entry for it ends its last period at ``revoked_at``.
    """
    requests = []
    for record in records:
        grants = tuple(grant for grant in record.get("grants") or () if isinstance(grant, Mapping))
        periods = _grant_periods(record)
        if grants and periods:
            requests.append(GrantedRequest(str(record["request_id"]), grants, periods))
    return requests


def _grant_periods(record: LedgerRecord) -> tuple[tuple[datetime, datetime | None], ...]:
    entries = sorted(
        (moment, str(entry.get("status")))
        for entry in record.get("history") or ()
        if isinstance(entry, Mapping) and (moment := _time(entry.get("at"))) is not None
    )
    periods: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for moment, status in entries:
        if status == Status.GRANTED and start is None:
            start = moment
        elif status == Status.REVOKED and start is not None:
            periods.append((start, moment))
            start = None
    if start is not None:
        periods.append((start, _time(record.get("revoked_at"))))
    return tuple(periods)


# --- explaining an access ------------------------------------------------------------------------


def same_principal(one: str, other: str) -> bool:
    """Whether two principal ARNs name the same role: by account and role name (assumed-role ARNs drop
    the IAM path); other principals (users, accounts) only when equal."""
    names = role_name(one), role_name(other)
    if names[0] is not None and names[1] is not None:
        return names[0] == names[1] and role_account(one) == role_account(other)
    return one.strip() == other.strip()


def grant_covers(grant: Mapping[str, Any], access: DataAccess) -> bool:
    """Whether one ledger grant lets the access's principal read the access's table."""
    return (
        _principal_covers(str(grant.get("principal") or ""), access)
        and resource_covers(_mapping(grant.get("resource")), access.database, access.table)
        and _permissions_cover(grant, access)
    )


def resource_covers(resource: Mapping[str, Any], database: str, table: str) -> bool:
    """Whether a Lake Formation resource is the table: by name, as all its database's tables, or columns.

    A ``Database`` resource is not: it is granted DESCRIBE, which reads no table data.
    """
    if "TableWithColumns" in resource:
        spec = _mapping(resource["TableWithColumns"])
    elif "Table" in resource:
        spec = _mapping(resource["Table"])
    else:
        return False
    if str(spec.get("DatabaseName", "")).lower() != database:
        return False
    return "TableWildcard" in spec or str(spec.get("Name", "")).lower() == table


def explain(access: DataAccess, requests: Sequence[GrantedRequest]) -> Explanation:
    """The requests whose grants allowed the access when it happened, or a warning saying none did."""
    covering = [request for request in requests if any(grant_covers(g, access) for g in request.grants)]
    current = sorted(
        (request for request in covering if request.granted_at(access.at)),
        key=lambda request: max(start for start, _ in request.periods if start <= access.at),
        reverse=True,
    )
    if current:
        return Explanation(tuple(request.request_id for request in current), None)
    who = access.role_arn or (f"account {access.account}" if access.account else "an unnamed principal")
    warning = f"no lakegate request grants {who} access to {access.table_name}"
    detail = _why_not(access, covering, requests)
    return Explanation((), f"{warning} ({detail})" if detail else warning)


def _why_not(access: DataAccess, covering: list[GrantedRequest], requests: Sequence[GrantedRequest]) -> str:
    """Why requests that name the table do not explain the access: revoked, granted later, or no role."""
    at = access.at
    if covering:
        ended = [(end, request) for request in covering for _, end in request.periods if end and end < at]
        if ended:
            end, request = max(ended, key=lambda pair: pair[0])
            return f"at {timestamp(at)}: request {request.request_id} was revoked at {timestamp(end)}"
        start, request = min(
            ((start, request) for request in covering for start, _ in request.periods),
            key=lambda pair: pair[0],
        )
        return f"at {timestamp(at)}: request {request.request_id} was granted only at {timestamp(start)}"
    if access.role_arn is None and access.account:
        for request in requests:
            for grant in request.grants:
                principal = str(grant.get("principal") or "")
                if (
                    role_account(principal) == access.account
                    and resource_covers(_mapping(grant.get("resource")), access.database, access.table)
                    and _permissions_cover(grant, access)
                ):
                    return (
                        f"request {request.request_id} grants role {principal}, but the event does not "
                        "name the role: the consumer account has not opted in to share principal ARNs"
                    )
    return ""


def _principal_covers(principal: str, access: DataAccess) -> bool:
    if is_account_id(principal):
        return principal == access.account
    return access.role_arn is not None and bool(principal) and same_principal(principal, access.role_arn)


def _permissions_cover(grant: Mapping[str, Any], access: DataAccess) -> bool:
    granted = {str(permission) for permission in grant.get("permissions") or ()}
    return _ALL in granted or set(access.permissions or (_READ,)) <= granted


# --- rows ------------------------------------------------------------------------------------------


def audit_rows(
    accesses: Iterable[DataAccess],
    queries: Mapping[str, QueryStart],
    requests: Sequence[GrantedRequest],
    *,
    user_role_prefix: str,
) -> list[dict[str, Any]]:
    """One row per access: when, who (the person by the role-name convention), which table and query,
    and the request that explains it or a warning.

    When the access event names no role but the Athena query that caused it does (both seen from
    the consumer account), the query's role stands for it.
    """
    rows = []
    for logged in accesses:
        query = queries.get(logged.query_id) if logged.query_id else None
        access = logged
        if (
            access.role_arn is None
            and query is not None
            and query.role_arn
            and role_account(query.role_arn) in (access.account, None)
        ):
            access = dataclasses.replace(access, role_arn=query.role_arn)
        explanation = explain(access, requests)
        role = (role_arn_of(access.role_arn) or access.role_arn) if access.role_arn else None
        rows.append(
            {
                "time": timestamp(access.at),
                "user": person_for(access.role_arn, user_role_prefix),
                "role": role,
                "account": access.account,
                "table": access.table_name,
                "catalog_account": access.catalog_account,
                "query_id": access.query_id,
                "request_id": explanation.request_ids[0] if explanation.request_ids else None,
                "request_ids": list(explanation.request_ids),
                "warning": explanation.warning,
                "engine": access.engine,
                "job": access.job,
                "permissions": list(access.permissions),
                "caller": access.caller_arn,
                "event_id": access.event_id,
                "query": query.to_dict() if query else None,
            }
        )
    return rows


def select(
    rows: Iterable[Mapping[str, Any]], *, user: str | None = None, table: str | None = None
) -> list[dict[str, Any]]:
    """The rows of one person (by name) and of one table (``database.table``), when given."""
    return [
        dict(row)
        for row in rows
        if (user is None or row.get("user") == user) and (table is None or row.get("table") == table)
    ]


# --- helpers ---------------------------------------------------------------------------------------


def _session_role(identity: Mapping[str, Any]) -> str | None:
    """The IAM role behind a CloudTrail userIdentity: its session issuer, or read from an assumed-role ARN."""
    issuer = _mapping(_mapping(identity.get("sessionContext")).get("sessionIssuer"))
    if issuer.get("type") == "Role" and _string(issuer.get("arn")):
        return str(issuer["arn"])
    arn = _string(identity.get("arn"))
    return role_arn_of(arn) if arn else None


def _audit_context(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``additionalAuditContext`` as JSON (EMR, Glue, Redshift Serverless); empty when it is not JSON."""
    text = _mapping(parameters.get("auditContext")).get("additionalAuditContext")
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _event_time(record: Mapping[str, Any], event: Mapping[str, Any] | None) -> datetime:
    moment = _time(record.get("eventTime"))
    if moment is None and event is not None:
        moment = _time(event.get("EventTime"))
    if moment is None:
        raise ValueError(f"CloudTrail event {_event_id(record, event)} has no eventTime")
    return moment


def _event_id(record: Mapping[str, Any], event: Mapping[str, Any] | None) -> str:
    return str(record.get("eventID") or (event or {}).get("EventId") or "")


def _time(value: Any) -> datetime | None:
    """An aware UTC datetime from a datetime or an ISO 8601 text (``...Z`` included); None otherwise."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
