"""The email a data owner receives: a subject naming the item and a plain-text body with both links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.store import timestamp, utc_now
from lakegate.requests.model import AccessRequest
from lakegate.requests.requester import requester_label
from lakegate.workflow.access_expiry import DAY_SECONDS, access_expires_at

SUBJECT_LIMIT = 100  # SNS rejects longer subjects
_NOT_SUBJECT_SAFE = re.compile(r"[^\x20-\x7e]")
_LINE_BREAKS = re.compile(r"\s+")


@dataclass(frozen=True)
class ApprovalEmail:
    subject: str
    body: str


def approval_email(
    record: LedgerRecord,
    *,
    request_id: str,
    approve_link: str,
    deny_link: str,
    now: datetime | None = None,
    day_seconds: int = DAY_SECONDS,
    reminder: bool = False,
) -> ApprovalEmail:
    """Render the approval email for a ledger record (``now`` and ``day_seconds`` date the access expiry).

    With ``reminder``, the one reminder of a request still undecided: the same email, its subject
    starting "Reminder:", with a first paragraph saying when the request expires.
    """
    request = AccessRequest.from_dict(record["request"])
    person = record.get("person")
    asker = (
        f"{person} (account {request.consumer_account})" if person else f"account {request.consumer_account}"
    )
    about = f"ccess request for {request.item_name} from {asker}"
    subject = _subject(f"Reminder: a{about}" if reminder else f"A{about}")
    expires_at = record.get("approval_expires_at", "unknown")
    opening = (
        [
            f"Reminder: this request is still waiting for your decision; this request expires at "
            f"{expires_at}. The links below are new; those of the first email work too.",
            "",
        ]
        if reminder
        else []
    )
    reasons = record.get("sensitivity_reasons") or []
    # A person's own role is shown as "For: jdoe (role arn:...)"; any other grantee as "Granted to: ...".
    for_person = person_and_role(record)
    grantee = request.principal or f"the whole account {request.consumer_account} (with grant option)"
    grantee_line = (
        f"For:               {_one_line(for_person)}"
        if for_person
        else f"Granted to:        {_one_line(grantee)}"
    )
    duration = access_period(request.duration_days, now=now or utc_now(), day_seconds=day_seconds)
    lines = [
        *opening,
        f"A consumer asks for access to {_one_line(request.item_name)}, which you own "
        f"as {_one_line(record.get('data_owner_name') or record.get('data_owner', ''))}.",
        "",
        f"Database:          {_one_line(request.database)}",
        f"Table:             {_one_line(request.table or 'all tables')}",
        f"Columns:           {_one_line(', '.join(request.columns)) if request.columns else 'all columns'}",
        f"Permissions:       {', '.join(request.permissions)}",
        f"Consumer account:  {request.consumer_account}",
        grantee_line,
        f"Requester:         {_one_line(requester_label(record))}",
        f"Justification:     {_one_line(request.justification or 'not given')}",
        f"Access for:        {duration}",
        f"Request id:        {request_id}",
        f"Decide before:     {expires_at} (the request expires then)",
        "",
        "Why this needs your approval:",
        *[f"  - {_one_line(reason)}" for reason in reasons],
        "",
        f"Approve: {approve_link}",
        "",
        f"Deny:    {deny_link}",
        "",
        "Each link opens a confirmation page showing the request; nothing is decided until you",
        "press the button on that page. The links stop working once the request is decided or expires.",
    ]
    return ApprovalEmail(subject=subject, body="\n".join(lines) + "\n")


def person_and_role(record: LedgerRecord) -> str | None:
    """``jdoe (role arn:...)`` when the ledger names the person whose role receives the grants; else None."""
    person = record.get("person")
    principal = (record.get("request") or {}).get("principal")
    if not person or not principal:
        return None
    return f"{person} (role {principal})"


def access_period(duration_days: int | None, *, now: datetime, day_seconds: int = DAY_SECONDS) -> str:
    """How long access lasts, as the email and the decision page show it."""
    if not duration_days:
        return "until revoked"
    until = timestamp(access_expires_at(now, duration_days, day_seconds=day_seconds))
    days = f"{duration_days} day{'s' if duration_days != 1 else ''}"
    return f"{days} after it is granted (until about {until} if approved now), then revoked automatically"


def _one_line(text: str) -> str:
    """Catalog strings and free text flattened to one line, so they cannot forge lines or links."""
    return _LINE_BREAKS.sub(" ", str(text)).strip()


def _subject(text: str) -> str:
    safe = _NOT_SUBJECT_SAFE.sub("?", _one_line(text))
    return safe if len(safe) <= SUBJECT_LIMIT else safe[: SUBJECT_LIMIT - 3] + "..."
