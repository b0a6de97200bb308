"""The request pages: the request form, one request, and the signed-in user's requests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lakegate.approvals.email_message import person_and_role
from lakegate.core.people import person_for
from lakegate.ledger.record import HistoryEntry, LedgerRecord, request_of
from lakegate.portal.catalog import DatabaseView, TableView
from lakegate.portal.pages import (
    REQUESTS,
    Frame,
    app_url,
    data_table,
    definition_list,
    document,
    link,
    notice,
    sensitive,
)
from lakegate.portal.request_forms import FORM, SOME_COLUMNS, WHOLE_TABLE, RequestForm, ask_again_fields
from lakegate.requests.model import MAX_DURATION_DAYS, MAX_JUSTIFICATION_LENGTH
from lakegate.requests.requester import requester_label
from lakegate.requests.submission import IN_PROGRESS
from lakegate.web.html import Html, esc
from lakegate.workflow.grants import Grant

REFRESH_SECONDS = 5
STATUS_MEANING = {
    "RECEIVED": "lakegate is checking the request.",
    "PENDING_APPROVAL": "Waiting for the data owner's decision.",
    "APPROVED": "Approved: access is being granted.",
    "GRANTED": "Access granted.",
    "DENIED": "The data owner denied the request.",
    "EXPIRED": "Nobody decided in time, so nothing was granted.",
    "FAILED": "The request failed; the error below says why.",
    "REVOKED": "Access was granted, then revoked.",
}
# Where each form field's error is shown: the id of the element it describes.
_ERROR_TARGET = {"database": "item", "table": "item", "columns": "columns", FORM: "request-form"}
_FIELD_LABELS = {
    "item": "Database and table",
    "columns": "Columns",
    "target_account": "Consumer account",
    "principal": "Role ARN (optional)",
    "justification": "Justification",
    "duration_days": "Duration in days (optional)",
    "request-form": "Request",
}


def request_form_page(
    form: RequestForm,
    database: DatabaseView,
    table: TableView | None,
    *,
    frame: Frame,
    user_role_prefix: str = "",
) -> str:
    """``/portal/app/request``: the form, pre-filled from ``form``, with its errors next to the fields."""
    errors = {_ERROR_TARGET.get(name, name): message for name, message in form.errors.items()}
    item = f"{database.name}.{table.name}" if table else f"{database.name} (the whole database)"
    summary = _error_summary(errors)
    what = definition_list(
        [
            ("Database", database.name),
            ("Table", table.name if table else "All tables: the whole database"),
            ("Owner", database.owner_name),
        ]
    )
    fields = [
        frame.csrf_field(),
        Html(f'<input type="hidden" name="database" value="{esc(database.name)}">'),
        Html(f'<input type="hidden" name="table" value="{esc(table.name if table else "*")}">'),
        Html(f'<div id="item" tabindex="-1">{what}{_error("item", errors)}</div>'),
    ]
    if table is not None:
        fields += [_scope_fieldset(form), _columns_fieldset(form, table, errors)]
    fields += [
        _field(
            "target_account",
            "Consumer account",
            Html(
                f'<input id="target_account" name="target_account" type="text" inputmode="numeric" '
                f'autocomplete="off" maxlength="12" value="{esc(form.target_account)}"'
                f"{_invalid('target_account', errors)}>"
            ),
            hint="The 12-digit id of the AWS account the access is for.",
            errors=errors,
        ),
        _field(
            "principal",
            "Role ARN (optional)",
            Html(
                f'<input id="principal" name="principal" type="text" autocomplete="off" spellcheck="false" '
                f'value="{esc(form.principal)}"{_invalid("principal", errors)}>'
            ),
            hint=_role_hint(frame, user_role_prefix),
            errors=errors,
        ),
        _field(
            "justification",
            "Justification",
            Html(
                f'<textarea id="justification" name="justification" rows="4" '
                f'maxlength="{MAX_JUSTIFICATION_LENGTH}"{_invalid("justification", errors)}>'
                f"{esc(form.justification)}</textarea>"
            ),
            hint="Why you need access. The data owner reads it.",
            errors=errors,
        ),
        _field(
            "duration_days",
            "Duration in days (optional)",
            Html(
                f'<input id="duration_days" name="duration_days" type="number" min="1" '
                f'max="{MAX_DURATION_DAYS}" step="1" value="{esc(form.duration_days)}"'
                f"{_invalid('duration_days', errors)}>"
            ),
            hint=f"Access is revoked automatically after this many days (1 to {MAX_DURATION_DAYS}). "
            "Some sensitive data can only be shared for a limited time.",
            errors=errors,
        ),
        Html('<button type="submit" class="primary">Submit request</button>'),
    ]
    main = Html(
        f"<h1>Request access</h1>{summary}<p>You are asking for <strong>{esc(item)}</strong>.</p>"
        f'<form id="request-form" method="post" action="{esc(app_url("request"))}" tabindex="-1">'
        f"{_error('request-form', errors)}{''.join(fields)}</form>"
    )
    return document(f"Request access to {item}", main, frame=_in_requests(frame))


def request_page(record: LedgerRecord, *, frame: Frame, message: str = "", user_role_prefix: str = "") -> str:
    """``/portal/app/requests/{id}``: status, decision, grants, expiry, history, and "Request again"."""
    request_id = str(record.get("request_id") or "")
    status = str(record.get("status") or "")
    request = request_of(record)
    top = notice(message) if message else ""
    meaning = STATUS_MEANING.get(status, "")
    actions = []
    again = ask_again_fields(record)
    if again is not None:
        actions.append(link(app_url("request", again), "Request again"))
    if status == "PENDING_APPROVAL" and frame.user.may_decide_for(str(record.get("data_owner") or "")):
        actions.append(link(app_url("decisions"), "Decide on the Decisions page"))
    main = Html(
        f"<h1>Request {esc(request_id)}</h1>{top}"
        f'<p class="status">Status: {esc(status)}</p>'
        + (f"<p>{esc(meaning)}</p>" if meaning else "")
        + definition_list(_request_rows(record, request, user_role_prefix))
        + "".join(f'<p class="actions">{action}</p>' for action in actions)
        + _grants(record)
        + "<h2>History</h2>"
        + _history(request_id, record.get("history") or [])
    )
    refresh = REFRESH_SECONDS if status in IN_PROGRESS else None
    return document(f"Request {request_id}", main, frame=_in_requests(frame), refresh_seconds=refresh)


def my_requests_page(records: Sequence[LedgerRecord], *, frame: Frame) -> str:
    """``/portal/app/requests``: the user's requests, newest first, refreshed while any is in progress."""
    in_progress = any(record.get("status") in IN_PROGRESS for record in records)
    if records:
        rows = [
            (
                link(app_url(f"requests/{record['request_id']}"), record["request_id"]),
                record.get("item") or "",
                record.get("consumer_account") or "",
                record.get("status") or "",
                _decision(record),
                record.get("decision_comment") or "",
                record.get("access_expires_at") or "",
                record.get("created_at") or "",
            )
            for record in records
        ]
        listing = data_table(
            "Your requests, newest first",
            (
                "Request",
                "Item",
                "Consumer account",
                "Status",
                "Decision",
                "Approver comment",
                "Access until",
                "Created",
            ),
            rows,
        )
    else:
        listing = Html(
            f"<p>You have not asked for anything yet. {link(app_url('catalog'), 'Browse the catalog')} "
            "to find data and request access.</p>"
        )
    live = (
        '<p class="hint">This page updates itself every few seconds while a request is in progress.</p>'
        if in_progress
        else ""
    )
    main = Html(f"<h1>My requests</h1>{live}{listing}")
    return document(
        "My requests",
        main,
        frame=_in_requests(frame),
        refresh_seconds=REFRESH_SECONDS if in_progress else None,
    )


def grantee(record: LedgerRecord, user_role_prefix: str = "") -> str:
    """Who receives the grants: the person and their role, the role, or the whole consumer account."""
    request = request_of(record)
    named = person_and_role(record)
    if named:
        return named
    principal = request.get("principal")
    if principal:
        person = person_for(str(principal), user_role_prefix)
        return f"{person} (role {principal})" if person else str(principal)
    return "the whole consumer account (with grant option)" if request else ""


def _request_rows(
    record: LedgerRecord, request: Mapping[str, Any], user_role_prefix: str
) -> list[tuple[str, object]]:
    status = record.get("status")
    duration = request.get("duration_days")
    reasons = record.get("sensitivity_reasons") or []
    rows: list[tuple[str, object]] = [
        ("Item", record.get("item")),
        ("Consumer account", record.get("consumer_account")),
        ("Granted to", grantee(record, user_role_prefix)),
        ("Permissions", ", ".join(request.get("permissions") or [])),
        ("Requester", requester_label(record)),
        ("Justification", request.get("justification")),
        (
            "Access for",
            f"{duration} days after the grant" if duration else ("until revoked" if request else ""),
        ),
        ("Data owner", _owner(record)),
        ("Sensitive", sensitive("; ".join(reasons)) if record.get("sensitive") else _no(record, "sensitive")),
        ("Created", record.get("created_at")),
    ]
    if status == "PENDING_APPROVAL":
        rows.append(("Decide before", record.get("approval_expires_at")))
    rows += [
        ("Decided by", record.get("decided_by")),
        ("Decided at", record.get("decided_at")),
        ("Approver comment", record.get("decision_comment")),
        ("Access until", record.get("access_expires_at")),
        ("Revoked by", record.get("revoked_by")),
        ("Revoked at", record.get("revoked_at")),
        ("Why revoked", record.get("revocation_reason")),
    ]
    if record.get("error"):
        rows.append(("Error", f"{record['error']}: {record.get('cause') or ''}"))
    return rows


def _no(record: LedgerRecord, name: str) -> str:
    return "No" if name in record else ""


def _owner(record: LedgerRecord) -> str:
    owner, name = record.get("data_owner"), record.get("data_owner_name")
    if name and owner and name != owner:
        return f"{name} ({owner})"
    return str(owner or "")


def _decision(record: LedgerRecord) -> str:
    by = record.get("decided_by")
    if not by:
        return ""
    at = record.get("decided_at")
    return f"{by} at {at}" if at else str(by)


def _grants(record: LedgerRecord) -> Html:
    grants = record.get("grants") or []
    if not grants:
        return Html("")
    items = []
    for data in grants:
        described = Grant.from_dict(data).describe()
        items.append(f"<li>{esc(described + (' (with grant option)' if data.get('grantable') else ''))}</li>")
    title = "Grants (revoked)" if record.get("status") == "REVOKED" else "Grants"
    return Html(f"<h2>{esc(title)}</h2><ul>{''.join(items)}</ul>")


def _history(request_id: str, history: Iterable[HistoryEntry]) -> Html:
    rows = [
        (entry.get("at") or "", entry.get("status") or "", entry.get("by") or "", entry.get("reason") or "")
        for entry in history
    ]
    if not rows:
        return Html("<p>Nothing is recorded yet: the workflow records the request in a moment.</p>")
    return data_table(f"History of request {request_id}", ("At", "Status", "By", "Reason"), rows)


def _in_requests(frame: Frame) -> Frame:
    return Frame(user=frame.user, csrf=frame.csrf, section=REQUESTS)


def _error_summary(errors: Mapping[str, str]) -> Html:
    if not errors:
        return Html("")
    items = "".join(
        f'<li><a href="#{esc(target)}">{esc(_FIELD_LABELS.get(target, target))}: {esc(message)}</a></li>'
        for target, message in errors.items()
    )
    return Html(
        '<div class="error-summary" role="alert"><h2>The request was not sent</h2>'
        f"<p>Correct the fields below, then submit again.</p><ul>{items}</ul></div>"
    )


def _error(target: str, errors: Mapping[str, str]) -> Html:
    message = errors.get(target)
    if not message:
        return Html("")
    return Html(f'<p class="field-error" id="{esc(target)}-error"><strong>Error:</strong> {esc(message)}</p>')


def _invalid(target: str, errors: Mapping[str, str]) -> Html:
    described = f"{target}-hint"
    if target in errors:
        return Html(f' aria-invalid="true" aria-describedby="{esc(target)}-error {esc(described)}"')
    return Html(f' aria-describedby="{esc(described)}"')


def _field(target: str, label: str, control: Html, *, hint: str, errors: Mapping[str, str]) -> Html:
    return Html(
        f'<div class="field{" field-invalid" if target in errors else ""}">'
        f'<label for="{esc(target)}">{esc(label)}</label>'
        f'<p class="hint" id="{esc(target)}-hint">{esc(hint)}</p>'
        f"{_error(target, errors)}{control}</div>"
    )


def _scope_fieldset(form: RequestForm) -> Html:
    def radio(value: str, text: str) -> str:
        checked = " checked" if form.scope == value or (value == SOME_COLUMNS and form.wants_columns) else ""
        if value == WHOLE_TABLE and form.wants_columns:
            checked = ""
        return (
            f'<div class="choice"><input type="radio" id="scope-{value}" name="scope" '
            f'value="{value}"{checked}>'
            f'<label for="scope-{value}">{esc(text)}</label></div>'
        )

    return Html(
        '<fieldset class="choices"><legend>What to request</legend>'
        + radio(WHOLE_TABLE, "The whole table")
        + radio(SOME_COLUMNS, "Only the columns chosen below")
        + "</fieldset>"
    )


def _columns_fieldset(form: RequestForm, table: TableView, errors: Mapping[str, str]) -> Html:
    chosen = {name.lower() for name in form.columns}
    boxes = []
    for index, column in enumerate(table.columns):
        checked = " checked" if column.name.lower() in chosen else ""
        label = f"{column.name} (sensitive)" if column.flagged else column.name
        boxes.append(
            f'<div class="choice"><input type="checkbox" id="column-{index}" name="columns" '
            f'value="{esc(column.name)}"{checked}><label for="column-{index}">{esc(label)}</label></div>'
        )
    described = ' aria-describedby="columns-error"' if "columns" in errors else ""
    return Html(
        f'<fieldset id="columns" class="choices" tabindex="-1"{described}><legend>Columns</legend>'
        '<p class="hint">Partition keys are listed after the columns. Leave all unticked to ask for the '
        "whole table.</p>"
        f"{_error('columns', errors)}{''.join(boxes)}</fieldset>"
    )


def _role_hint(frame: Frame, user_role_prefix: str) -> str:
    hint = "An IAM role in that account. Leave empty to grant the whole account (with grant option)."
    account = frame.user.consumer_account
    if user_role_prefix and account:
        own = f"arn:aws:iam::{account}:role/{user_role_prefix}{frame.user.username}"
        hint += f" Your own role would be {own}."
    return hint
