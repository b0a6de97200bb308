"""Request ids: the execution name derived from what a request asks for (the CLI and the portal).

The same request always gets the same name, so sending it twice finds the first one instead of
starting a second workflow (and a second email). The name is a readable slug of the item plus a
short hash of what is asked and for whom; free text (requester, justification) is left out, so
a colleague asking for the same access with other words finds the same request.
"""

from __future__ import annotations

import hashlib
import json
import re

from lakegate.requests.model import AccessRequest

MAX_NAME_LENGTH = 80  # Step Functions execution names: 1-80 characters
HASH_LENGTH = 10
MAX_SUFFIX_LENGTH = len("-9999")
MAX_SLUG_LENGTH = MAX_NAME_LENGTH - HASH_LENGTH - 1 - MAX_SUFFIX_LENGTH
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]+")


def request_hash(request: AccessRequest) -> str:
    """A short, stable hash of what is asked (item, permissions, duration) and for whom."""
    asked = {
        "database": request.database,
        "table": request.table,
        "columns": list(request.columns),
        "consumer_account": request.consumer_account,
        "principal": request.principal,
        "permissions": sorted(request.permissions),
        "duration_days": request.duration_days,
    }
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def slug(request: AccessRequest) -> str:
    """``sales-orders``, ``sales-all`` or ``customers-profiles-cols``: the item, readable in a name."""
    parts = [request.database, request.table or "all"]
    if request.columns:
        parts.append("cols")
    text = _NOT_ALLOWED.sub("-", "-".join(parts)).strip("-")
    return re.sub("-{2,}", "-", text)[:MAX_SLUG_LENGTH].rstrip("-") or "request"


def request_name(request: AccessRequest, attempt: int = 1) -> str:
    """The execution name (the request id) of the ``attempt``-th request for the same thing.

    The first is ``<slug>-<hash>``; once it has ended, asking again starts ``<slug>-<hash>-2``, and so on.
    """
    if not 1 <= attempt <= 9999:
        raise ValueError(f"attempt must be 1-9999, got {attempt}")
    base = f"{slug(request)}-{request_hash(request)}"
    return base if attempt == 1 else f"{base}-{attempt}"
