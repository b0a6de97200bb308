"""The HTML pages behind the approval links. Every value shown is escaped."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from lakegate.approvals.decision import MAX_APPROVER_LENGTH, MAX_COMMENT_LENGTH
from lakegate.approvals.email_message import person_and_role
from lakegate.approvals.links import APPROVE, DENY, request_path
from lakegate.ledger.record import LedgerRecord, request_of

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
color:#1b1f24;line-height:1.45}
h1{font-size:1.5rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.note{background:#f3f4f6;padding:.75rem 1rem;border-radius:.4rem}
label{display:block;margin-top:1rem;font-weight:600}input[type=text],textarea{width:100%;padding:.45rem;
box-sizing:border-box;font:inherit}button{margin:1.25rem .75rem 0 0;padding:.6rem 1.2rem;font:inherit;
border-radius:.4rem;border:1px solid #444;cursor:pointer}
button.primary{background:#1f6feb;color:#fff;border-color:#1f6feb}
button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
"""


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)} · lakegate</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


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
        ("Requester", str(request.get("requester") or "not given")),
        ("Justification", str(request.get("justification") or "not given")),
        (
            "Access for",
            f"{request['duration_days']} days" if request.get("duration_days") else "until revoked",
        ),
        ("Owner", str(record.get("data_owner_name") or record.get("data_owner") or "")),
        ("Decide before", str(record.get("approval_expires_at") or "")),
    ]
    items = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in rows)
    return f"<dl>{items}</dl>{_reasons(record.get('sensitivity_reasons') or [])}"


def _grantee_row(record: LedgerRecord) -> tuple[str, str]:
    """Who receives the grants: the person and their role when the ledger names one, else the grantee."""
    for_person = person_and_role(record)
    if for_person:
        return ("For", for_person)
    request = request_of(record)
    return ("Granted to", str(request.get("principal") or "the whole consumer account (with grant option)"))


def _reasons(reasons: Iterable[str]) -> str:
    listed = "".join(f"<li>{escape(str(reason))}</li>" for reason in reasons)
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
        f'<form method="post" action="{escape(request_path(str(record["request_id"])))}">'
        f'<input type="hidden" name="secret" value="{escape(secret)}">'
        '<label for="approver">Your name (recorded with the decision)</label>'
        f'<input type="text" id="approver" name="approver" maxlength="{MAX_APPROVER_LENGTH}" '
        'autocomplete="name">'
        '<label for="comment">Comment (optional, sent to the consumer)</label>'
        f'<textarea id="comment" name="comment" rows="3" maxlength="{MAX_COMMENT_LENGTH}"></textarea>'
        f"{buttons}</form>"
    )
    intro = (
        '<p class="note">Nothing has been decided yet. Check the request, then press a button: '
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
    body = "".join(f"<p>{escape(str(line))}</p>" for line in lines)
    return _document(title, f'<div class="note">{body}</div>{_details(record)}')


def message_page(title: str, message: str) -> str:
    """A short page for errors: unknown request, bad link, try again later."""
    return _document(title, f"<p>{escape(message)}</p>")
