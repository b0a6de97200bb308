"""The HTML pages behind the approval links. Every value shown is escaped."""

from __future__ import annotations

from collections.abc import Iterable

from lakegate.approvals.decision import MAX_APPROVER_LENGTH, MAX_COMMENT_LENGTH
from lakegate.approvals.email_message import person_and_role
from lakegate.approvals.links import APPROVE, DENY, request_path
from lakegate.ledger.record import LedgerRecord, request_of
from lakegate.requests.requester import requester_label
from lakegate.web.html import Html, document, esc

SITE_NAME = "lakegate"
# Where the decision API serves the stylesheet (``GET /assets/lakegate.css``).
ASSETS_PATH = "/assets"


def _document(title: str, body: str) -> str:
    return document(title, Html(f"<h1>{esc(title)}</h1>{body}"), site_name=SITE_NAME, assets_path=ASSETS_PATH)


def _details(record: LedgerRecord) -> str:
    request = request_of(record)
    columns = request.get("columns") or []
    rows: list[tuple[str, str]] = [
        ("Request", str(record.get("request_id", ""))),
        ("Database", str(request.get("database", ""))),
        ("Table", "all tables" if request.get("table") in (None, "*") else str(request.get("table"))),
        ("Columns", ", ".join(columns) if columns else "all columns"),
        ("Permissions", ", ".join(request.get("permissions") or [])),
        ("Consumer account", str(record.get("consumer_account", ""))),
        _grantee_row(record),
        ("Requester", requester_label(record)),
        ("Justification", str(request.get("justification") or "not given")),
        (
            "Access for",
            f"{request['duration_days']} days" if request.get("duration_days") else "until revoked",
        ),
        ("Owner", str(record.get("data_owner_name") or record.get("data_owner") or "")),
        ("Decide before", str(record.get("approval_expires_at") or "")),
    ]
    items = "".join(f"<dt>{esc(name)}</dt><dd>{esc(value)}</dd>" for name, value in rows)
    reasons = _reasons(record.get("sensitivity_reasons") or [])
    return f'<dl class="details">{items}</dl>{reasons}'


def _grantee_row(record: LedgerRecord) -> tuple[str, str]:
    """Who receives the grants: the person and their role when the ledger names one, else the grantee."""
    for_person = person_and_role(record)
    if for_person:
        return ("For", for_person)
    request = request_of(record)
    return ("Granted to", str(request.get("principal") or "the whole consumer account (with grant option)"))


def _reasons(reasons: Iterable[str]) -> str:
    listed = "".join(f"<li>{esc(str(reason))}</li>" for reason in reasons)
    return f"<h2>Why this needs approval</h2><ul>{listed}</ul>" if listed else ""


def confirmation_page(record: LedgerRecord, *, action: str, secret: str) -> str:
    """The page a link opens: the request's details and a form; only its POST decides."""
    primary, secondary = (APPROVE, DENY) if action != DENY else (DENY, APPROVE)
    labels = {APPROVE: "Approve access", DENY: "Deny access"}
    buttons = (
        f'<button class="primary" type="submit" name="action" value="{primary}">{labels[primary]}</button>'
        f'<button type="submit" name="action" value="{secondary}">{labels[secondary]}</button>'
    )
    form = (
        f'<form method="post" action="{esc(request_path(str(record["request_id"])))}">'
        f'<input type="hidden" name="secret" value="{esc(secret)}">'
        '<div class="field"><label for="approver">Your name (recorded with the decision)</label>'
        f'<input type="text" id="approver" name="approver" maxlength="{MAX_APPROVER_LENGTH}" '
        'autocomplete="name"></div>'
        '<div class="field"><label for="comment">Comment (optional, sent to the consumer)</label>'
        f'<textarea id="comment" name="comment" rows="3" maxlength="{MAX_COMMENT_LENGTH}"></textarea></div>'
        f"{buttons}</form>"
    )
    intro = (
        '<p class="notice">Nothing has been decided yet. Check the request, then press a button: '
        "the decision is final and the link stops working.</p>"
    )
    return _document(f"{labels.get(action, 'Decide')}?", intro + _details(record) + form)


def decided_page(record: LedgerRecord) -> str:
    """Shown after a decision was taken, or when a link is used again after one."""
    status = str(record.get("status", ""))
    titles = {
        "APPROVED": "Access approved",
        "GRANTED": "Access approved and granted",
        "DENIED": "Access denied",
        "EXPIRED": "This request has expired",
        "FAILED": "This request failed",
    }
    title = titles.get(status, f"This request is {status.lower().replace('_', ' ')}")
    by = record.get("decided_by")
    when = record.get("decided_at")
    lines = []
    if status == "EXPIRED":
        lines.append("Nobody decided in time, so nothing was granted. The consumer can ask again.")
    elif by:
        lines.append(f"Decided by {by} at {when}.")
    if record.get("decision_comment"):
        lines.append(f"Comment: {record['decision_comment']}")
    lines.append("This link no longer changes anything.")
    body = "".join(f"<p>{esc(str(line))}</p>" for line in lines)
    return _document(title, f'<div class="notice">{body}</div>{_details(record)}')


def message_page(title: str, message: str) -> str:
    """A short page for errors: unknown request, bad link, try again later."""
    return _document(title, f"<p>{esc(message)}</p>")
