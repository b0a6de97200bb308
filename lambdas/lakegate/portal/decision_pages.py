"""The owners' page: requests waiting for their decision, each with its own Approve / Deny form."""

from __future__ import annotations

from collections.abc import Sequence

from lakegate.approvals.decision import MAX_COMMENT_LENGTH, closed_reason
from lakegate.ledger.record import LedgerRecord, request_of
from lakegate.portal.pages import DECISIONS, Frame, app_url, definition_list, document, link, notice
from lakegate.portal.request_pages import grantee
from lakegate.requests.requester import requester_label
from lakegate.web.html import Html, esc


def decisions_page(
    records: Sequence[LedgerRecord], *, frame: Frame, message: str = "", user_role_prefix: str = ""
) -> str:
    """``/portal/app/decisions``: one section per pending request, the nearest deadline first."""
    top = notice(message) if message else ""
    intro = (
        "<p>Requests for data you own that wait for your decision, the nearest deadline first. "
        "Approving shares the data at once; the consumer is told your decision and sees your comment.</p>"
    )
    sections = "".join(
        _section(index, record, frame=frame, user_role_prefix=user_role_prefix)
        for index, record in enumerate(records, start=1)
    )
    body = sections or "<p>No requests are waiting for your decision.</p>"
    main = Html(f"<h1>Decisions</h1>{top}{intro}{body}")
    return document("Decisions", main, frame=Frame(user=frame.user, csrf=frame.csrf, section=DECISIONS))


def closed_message(record: LedgerRecord) -> str:
    """Why a request can no longer be decided, as a sentence."""
    reason = closed_reason(record)
    return f"{reason[0].upper()}{reason[1:]}."


def _section(index: int, record: LedgerRecord, *, frame: Frame, user_role_prefix: str) -> str:
    request_id = str(record.get("request_id") or "")
    request = request_of(record)
    duration = request.get("duration_days")
    owner, owner_name = record.get("data_owner"), record.get("data_owner_name")
    details = definition_list(
        [
            ("Item", record.get("item")),
            ("Consumer account", record.get("consumer_account")),
            ("Granted to", grantee(record, user_role_prefix)),
            ("Requester", requester_label(record)),
            ("Justification", request.get("justification") or "Not given"),
            ("Access for", f"{duration} days after the grant" if duration else "until revoked"),
            ("Data owner", f"{owner_name} ({owner})" if owner_name and owner_name != owner else owner),
            ("Requested", record.get("created_at")),
            ("Decide before", record.get("approval_expires_at")),
        ]
    )
    reasons = "".join(f"<li>{esc(reason)}</li>" for reason in record.get("sensitivity_reasons") or [])
    why = f"<h3>Why this needs approval</h3><ul>{reasons}</ul>" if reasons else ""
    title = f"decision-{index}-title"
    comment = f"comment-{index}"
    form = (
        f'<form method="post" action="{esc(app_url(f"decisions/{request_id}"))}">'
        f"{frame.csrf_field()}"
        f'<div class="field"><label for="{comment}">Comment</label>'
        f'<p class="hint" id="{comment}-hint">Optional. Sent to the consumer with your decision.</p>'
        f'<textarea id="{comment}" name="comment" rows="3" maxlength="{MAX_COMMENT_LENGTH}" '
        f'aria-describedby="{comment}-hint"></textarea></div>'
        '<div class="buttons">'
        '<button type="submit" name="action" value="approve" class="primary">Approve</button>'
        '<button type="submit" name="action" value="deny">Deny</button></div>'
        "</form>"
    )
    heading = f"Request {link(app_url(f'requests/{request_id}'), request_id)}"
    return (
        f'<section class="decision" aria-labelledby="{title}"><h2 id="{title}">{heading}</h2>'
        f"{details}{why}{form}</section>"
    )
