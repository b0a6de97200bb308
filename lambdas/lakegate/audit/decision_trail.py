"""The decision trail of requests: who asked, for whom, who decided and why, what was granted, until when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lakegate.core.people import person_for
from lakegate.ledger.record import HistoryEntry, LedgerRecord, request_of
from lakegate.ledger.status import Status
from lakegate.requests.requester import requester_label
from lakegate.workflow.grants import Grant


def trail(record: LedgerRecord, *, user_role_prefix: str) -> dict[str, Any]:
    """One request's trail: flat fields for tables and CSV, with ``history`` and ``grant_records`` in full."""
    request = request_of(record)
    grantee = request.get("principal") or request.get("consumer_account") or record.get("consumer_account")
    person = record.get("person") or person_for(request.get("principal"), user_role_prefix)
    history = list(record.get("history") or [])
    grant_records = list(record.get("grants") or [])
    table = request.get("table")
    return {
        "request_id": record.get("request_id"),
        "created_at": record.get("created_at"),
        "status": record.get("status"),
        "item": record.get("item"),
        "requester": requester_label(record),
        "person": person,
        "grantee": grantee,
        "for": f"{person} ({grantee})" if person else grantee,
        "consumer_account": request.get("consumer_account") or record.get("consumer_account"),
        "database": request.get("database"),
        "table": None if table == "*" else table,
        "columns": list(request.get("columns") or []),
        "permissions": list(request.get("permissions") or []),
        "justification": request.get("justification"),
        "status_changes": [f"{entry['status']} at {entry['at']} by {entry['by']}" for entry in history],
        "approver": record.get("decided_by"),
        "decided_at": record.get("decided_at"),
        "comment": record.get("decision_comment"),
        "grants": [Grant.from_dict(grant).describe() for grant in grant_records],
        "granted_at": _last_at(history, Status.GRANTED),
        "access_expires_at": record.get("access_expires_at"),
        "revoked_at": record.get("revoked_at"),
        "revoked_by": record.get("revoked_by"),
        "revocation_reason": record.get("revocation_reason"),
        "history": history,
        "grant_records": grant_records,
    }


def matching(
    trails: Iterable[dict[str, Any]],
    *,
    since: datetime | None,
    database: str | None,
    principal: str | None,
) -> list[dict[str, Any]]:
    """The trails created since ``since``, in ``database``, for ``principal``; oldest first.

    ``principal`` matches the grantee (a role ARN or an account id), the person behind the role, or,
    given an account id, every request of that consumer account.
    """
    chosen = []
    for row in trails:
        if since is not None and str(row.get("created_at") or "") < since.isoformat(timespec="seconds"):
            continue
        if database is not None and row.get("database") != database:
            continue
        if principal is not None and principal not in (
            row["grantee"],
            row["person"],
            row["consumer_account"],
        ):
            continue
        chosen.append(row)
    return sorted(chosen, key=lambda row: str(row.get("created_at") or ""))


def _last_at(history: list[HistoryEntry], status: Status) -> str | None:
    times = [str(entry["at"]) for entry in history if entry.get("status") == status.value]
    return times[-1] if times else None
