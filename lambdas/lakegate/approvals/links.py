"""Single-use approval secrets and the links that carry them.

A link carries the request id and a random secret, never the task token; the ledger keeps
only the secret's SHA-256, so a ledger reader cannot forge a decision. A request has one secret per
email its owner got (the approval email and at most one reminder): any of them decides it, once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import quote, urlencode

from lakegate.ledger.record import LedgerRecord

SECRET_BYTES = 32
APPROVE = "approve"
DENY = "deny"
ACTIONS = (APPROVE, DENY)
# The decision API's routes for owners deciding with their AWS identity live under this prefix.
OWNER_PREFIX = "/owner"


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str | None, stored_hash: str | None) -> bool:
    """Constant-time check of a presented secret against the stored hash."""
    if not secret or not stored_hash:
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def secret_matches_any(secret: str | None, stored_hashes: Iterable[str | None]) -> bool:
    """Whether ``secret`` matches one of the hashes stored for a request (its first email's, a reminder's)."""
    # No short-circuit: every hash is compared, so the time taken does not say which one matched.
    results = [secret_matches(secret, stored_hash) for stored_hash in stored_hashes]
    return any(results)


def valid_secret_hashes(record: LedgerRecord) -> list[str]:
    """The hashes of every secret whose links may decide the request.

    ``secret_hashes`` holds the first email's and the reminder's; ``secret_hash`` is the single hash
    records written before reminders existed carry.
    """
    hashes = [str(value) for value in record.get("secret_hashes") or [] if value]
    if record.get("secret_hash"):
        hashes.append(str(record["secret_hash"]))
    return hashes


def request_path(request_id: str) -> str:
    return f"/requests/{quote(request_id, safe='')}"


def owner_request_path(request_id: str) -> str:
    """Where an owner decides with their AWS identity (an AWS_IAM-authorized route, JSON in and out)."""
    return f"{OWNER_PREFIX}/requests/{quote(request_id, safe='')}"


def decision_link(base_url: str, request_id: str, action: str, secret: str) -> str:
    """The URL of the confirmation page for ``action`` on the request."""
    query = urlencode({"action": action, "secret": secret})
    return f"{base_url.rstrip('/')}{request_path(request_id)}?{query}"
