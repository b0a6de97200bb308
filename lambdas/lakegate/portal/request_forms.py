"""Requests in the portal: reading the request form, starting the request, and listing requests.

A request is validated as the workflow validates it (``access_request.parse_request``) and started
as ``lakegate request`` starts it (``request_submission.submit``: the same execution name, the same
"already pending"), with the signed-in user as requester. Requests are read from the ledger.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lakegate.approvals.decision import is_expired
from lakegate.core.errors import CatalogItemNotFound, InvalidRequest, LakegateError, RequestNotFound
from lakegate.core.identifiers import current_partition, is_account_id
from lakegate.ledger.record import SUMMARY_FIELDS, LedgerRecord, request_of
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.portal.auth import PortalUser
from lakegate.portal.catalog import discoverable_database, table_of
from lakegate.requests.mesh import MeshMembers
from lakegate.requests.model import WHOLE_DATABASE, AccessRequest, parse_request
from lakegate.requests.requester import VIA_PORTAL, RequesterKey, parse_proof
from lakegate.requests.submission import IN_PROGRESS, Submission, describe_execution, execution_arn, submit

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_stepfunctions import SFNClient

WHOLE_TABLE = "table"
SOME_COLUMNS = "columns"
# The form's field each request field's validation error is shown next to ("form": above the form).
FIELD_OF = {
    "source.database": "database",
    "source.table": "table",
    "source.columns": "columns",
    "target.account_id": "target_account",
    "target.principal": "principal",
    "justification": "justification",
    "duration_days": "duration_days",
}
FORM = "form"
# Requests that ended without access (or whose access ended): the page offers to ask again.
ASK_AGAIN = frozenset({Status.DENIED.value, Status.REVOKED.value, Status.EXPIRED.value, Status.FAILED.value})
# After starting a request, how long to wait for the workflow's first ledger record (RECEIVED), so the
# pages that follow (the request, "My requests") show it; the workflow writes it within a second or two.
RECORD_WAIT_SECONDS = 5.0
RECORD_POLL_SECONDS = 0.2
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


class FormInvalid(LakegateError):
    """The request form has errors; ``errors`` maps a form field (or ``"form"``) to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class RequestForm:
    """The request form's values as the person typed them, to validate or to show the form again."""

    database: str = ""
    table: str = ""  # "*" asks for the whole database
    scope: str = ""  # WHOLE_TABLE or SOME_COLUMNS; empty: some columns if any are ticked
    columns: tuple[str, ...] = ()
    target_account: str = ""
    principal: str = ""
    justification: str = ""
    duration_days: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: Mapping[str, list[str]]) -> RequestForm:
        """From a posted form or a query: ``columns`` repeated, or comma-separated (``columns=a,b``)."""

        def first(name: str) -> str:
            values = fields.get(name) or [""]
            return values[0].strip()

        columns: list[str] = []
        for value in fields.get("columns") or ():
            for name in value.split(","):
                if name.strip() and name.strip() not in columns:
                    columns.append(name.strip())
        return cls(
            database=first("database").lower(),
            table=first("table").lower() or WHOLE_DATABASE,
            scope=first("scope"),
            columns=tuple(columns),
            target_account=first("target_account"),
            principal=first("principal"),
            justification=(fields.get("justification") or [""])[0].strip(),
            duration_days=first("duration_days"),
        )

    @property
    def whole_database(self) -> bool:
        return self.table in ("", WHOLE_DATABASE)

    @property
    def wants_columns(self) -> bool:
        if self.whole_database:
            return False
        return self.scope == SOME_COLUMNS or (self.scope != WHOLE_TABLE and bool(self.columns))


def request_from_form(form: RequestForm, user: PortalUser, mesh: MeshMembers) -> AccessRequest:
    """The request the form asks for, validated as the workflow validates it; FormInvalid otherwise.

    The target must be one the user may request for and a member of the ``mesh`` that may receive data.
    """
    errors: dict[str, str] = {}
    if not form.whole_database:
        if form.scope == WHOLE_TABLE and form.columns:
            errors["columns"] = "you chose the whole table and also some columns: choose one or the other"
        elif form.wants_columns and not form.columns:
            errors["columns"] = "choose at least one column, or ask for the whole table"
    if not is_account_id(form.target_account):
        errors["target_account"] = f"{form.target_account!r} is not a 12-digit AWS account id"
    duration: int | None = None
    if form.duration_days:
        try:
            duration = int(form.duration_days)
        except ValueError:
            errors["duration_days"] = f"{form.duration_days!r} is not a whole number of days"
    payload: dict[str, Any] = {
        "source": {"database": form.database, "table": form.table or WHOLE_DATABASE},
        "target": {"account_id": form.target_account},
        "requester": user.username,
    }
    if form.wants_columns and form.columns:
        payload["source"]["columns"] = list(form.columns)
    if form.principal:
        payload["target"]["principal"] = form.principal
    if form.justification:
        payload["justification"] = form.justification
    if duration is not None:
        payload["duration_days"] = duration
    try:
        request = parse_request(payload, partition=current_partition())
    except InvalidRequest as error:
        name, _, message = str(error).partition(": ")
        errors.setdefault(FIELD_OF.get(name.split("[", 1)[0], FORM), message or str(error))
        raise FormInvalid(errors) from None
    if errors:
        raise FormInvalid(errors)
    if not user.may_request_for(request.consumer_account):
        raise FormInvalid({"target_account": _account_refusal(user)})
    try:
        mesh.require_consumer(request)
    except InvalidRequest as error:
        name, _, message = str(error).partition(": ")
        raise FormInvalid({FIELD_OF.get(name, FORM): message}) from None
    return request


def require_in_catalog(request: AccessRequest, *, glue: GlueClient) -> None:
    """FormInvalid unless the database is discoverable and the table and columns exist."""
    try:
        if request.table is None:
            discoverable_database(request.database, glue=glue)
            return
        _, table = table_of(request.database, request.table, glue=glue)
    except CatalogItemNotFound as error:
        raise FormInvalid({"table" if request.table else "database": str(error)}) from None
    known = {column.name.lower() for column in table.columns}
    missing = [name for name in request.columns if name.lower() not in known]
    if missing:
        raise FormInvalid(
            {"columns": f"not columns of {request.database}.{request.table}: {', '.join(missing)}"}
        )


def start_request(
    request: AccessRequest,
    user: PortalUser,
    *,
    state_machine_arn: str,
    sfn: SFNClient,
    ledger: Ledger,
    requester_key: RequesterKey,
) -> Submission:
    """Start the request as ``lakegate request`` does (the same names, the same "already pending").

    The input carries a proof that the signed-in user asked, so the workflow records them as the
    verified requester.
    """

    def proof(name: str) -> dict[str, str]:
        return requester_key.prove(name, request, identity=user.username, via=VIA_PORTAL)

    return submit(request, state_machine_arn=state_machine_arn, sfn=sfn, ledger=ledger, proof=proof)


def wait_for_record(
    request_id: str,
    *,
    ledger: Ledger,
    timeout: float = RECORD_WAIT_SECONDS,
    poll: float = RECORD_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> LedgerRecord | None:
    """The request's ledger record, waiting up to ``timeout`` for the workflow to write it; else None."""
    deadline = monotonic() + timeout
    while True:
        record = ledger.get(request_id)
        if record is not None or monotonic() >= deadline:
            return record
        sleep(poll)


def my_requests(user: PortalUser, *, ledger: Ledger) -> list[LedgerRecord]:
    """The requests the user asked for, newest first."""
    records = ledger.scan(
        equal_to={"requester": user.username, "requester_verified_by": VIA_PORTAL}, fields=SUMMARY_FIELDS
    )
    return sorted(records, key=lambda record: str(record.get("created_at") or ""), reverse=True)


def pending_decisions(user: PortalUser, *, ledger: Ledger, now: datetime) -> list[LedgerRecord]:
    """Requests waiting for a decision the user may take (an owner's accounts; all for admins).

    The most urgent (nearest deadline) first; those past their deadline are left out.
    """
    records = ledger.scan(equal_to={"status": Status.PENDING_APPROVAL.value}, fields=SUMMARY_FIELDS)
    waiting = [
        record
        for record in records
        if user.may_decide_for(str(record.get("data_owner") or "")) and not is_expired(record, now)
    ]
    return sorted(waiting, key=lambda record: str(record.get("approval_expires_at") or ""))


def any_in_progress(records: Iterable[LedgerRecord]) -> bool:
    return any(record.get("status") in IN_PROGRESS for record in records)


def may_see(record: LedgerRecord, user: PortalUser) -> bool:
    """Admins see every request; others those they verifiably asked for, and owners those of their accounts.

    A name only claimed in an execution's input (``claimed_by``) never makes a request someone's.
    """
    return (
        user.is_admin
        or (record.get("requester") == user.username and record.get("requester_verified_by") == VIA_PORTAL)
        or user.may_decide_for(str(record.get("data_owner") or ""))
    )


def request_for(
    request_id: str,
    user: PortalUser,
    *,
    ledger: Ledger,
    sfn: SFNClient,
    state_machine_arn: str,
) -> LedgerRecord:
    """The request as the user may see it; RequestNotFound when it is unknown or not theirs to see.

    A request started a moment ago is not in the ledger yet: its execution stands in for it
    (status RECEIVED while running) when its input carries the portal's proof for the user.
    """
    if not _REQUEST_ID.match(request_id):
        raise RequestNotFound(f"request {request_id} is not known")
    record = ledger.get(request_id)
    if record is not None:
        if not may_see(record, user):
            raise RequestNotFound(f"request {request_id} is not known")
        return record
    try:
        execution = describe_execution(sfn, execution_arn(state_machine_arn, request_id))
    except ClientError:
        execution = None
    document = _execution_input(execution)
    proved = execution is not None and _proved_by(user, document)
    if execution is None or not (user.is_admin or proved):
        raise RequestNotFound(f"request {request_id} is not known")
    started = execution.get("startDate")
    status = execution.get("status")
    stand_in: LedgerRecord = {
        "request_id": request_id,
        "status": Status.RECEIVED.value if status == "RUNNING" else str(status),
        "requester": user.username if proved else None,
        "requester_verified_by": VIA_PORTAL if proved else None,
        "claimed_by": None if proved else document.get("requester"),
        "history": [],
    }
    if isinstance(started, datetime):
        stand_in["created_at"] = started.isoformat(timespec="seconds")
    return stand_in


def _proved_by(user: PortalUser, document: Mapping[str, Any]) -> bool:
    """Whether the execution input carries a portal proof naming ``user``.

    Not checked with the key here: the workflow checks it within seconds and refuses a proof that does
    not verify. Until then the stand-in shows only the request id, its status, its start time and the
    user as its requester.
    """
    try:
        proof = parse_proof(document)
    except InvalidRequest:
        return False
    return proof is not None and (proof.identity, proof.via) == (user.username, VIA_PORTAL)


def ask_again_fields(record: LedgerRecord) -> dict[str, str] | None:
    """The request form's query to ask again for what an ended request asked; None when not offered."""
    request = request_of(record)
    if record.get("status") not in ASK_AGAIN or not request.get("database"):
        return None
    fields = {
        "database": str(request["database"]),
        "table": str(request.get("table") or WHOLE_DATABASE),
        "columns": ",".join(request.get("columns") or ()),
        "target_account": str(request.get("consumer_account") or ""),
        "principal": str(request.get("principal") or ""),
        "justification": str(request.get("justification") or ""),
        "duration_days": str(request.get("duration_days") or ""),
    }
    return {name: value for name, value in fields.items() if value}


def default_form(query: Mapping[str, list[str]], user: PortalUser) -> RequestForm:
    """The request form as a link opens it: its query's values, the user's consumer account by default."""
    form = RequestForm.from_fields(query)
    if not form.target_account and user.consumer_account:
        form = replace(form, target_account=user.consumer_account)
    if not form.scope and form.columns and not form.whole_database:
        form = replace(form, scope=SOME_COLUMNS)
    return form


def _account_refusal(user: PortalUser) -> str:
    if user.consumer_account:
        return f"you may request access only for your consumer account {user.consumer_account}"
    return "your user has no consumer account (custom:consumer_account); ask an administrator to set it"


def _execution_input(execution: Mapping[str, Any] | None) -> dict[str, Any]:
    try:
        document = json.loads(str((execution or {}).get("input") or "{}"))
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
