"""The one definition of a ledger record: its fields, what writes each, and the projections read.

Types only, no codec: the ledger stores these dicts as they are (DynamoDB's numbers come back as
``int``), and the type checker holds every reader to the field names and types written here.
Every field is optional to the type because a projection (``Ledger.scan(fields=...)``) returns
only the fields it names; a full record always has ``request_id``, ``status``, ``created_at``,
``updated_at`` and ``history``.
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

KEY: Final = "request_id"  # the ledger table's partition key


class HistoryEntry(TypedDict):
    """One status change: the status it became, when, who made it, and why."""

    status: str
    at: str
    by: str
    reason: str


class StoredRequest(TypedDict, total=False):
    """The request as validated and stored (``AccessRequest.to_dict``); ``table`` "*" is the database."""

    database: str
    table: str
    columns: list[str]
    consumer_account: str
    principal: str | None
    permissions: list[str]
    requester: str | None
    justification: str | None
    duration_days: int | None


class LedgerRecord(TypedDict, total=False):
    # Written by every status change.
    request_id: str
    status: str
    created_at: str
    updated_at: str
    history: list[HistoryEntry]
    # Written by evaluation (RECEIVED).
    request: StoredRequest
    item: str  # "database.table" or "database"
    database: str
    consumer_account: str
    # Who asked: requester is an identity lakegate verified (requester_verified_by says how, e.g.
    # "portal"); claimed_by the free text of an input without proof (lakegate.requests.requester).
    requester: str | None
    requester_verified_by: str | None
    claimed_by: str | None
    person: str | None  # the person behind a per-user role, by the role-name convention
    data_owner: str
    data_owner_name: str
    sensitive: bool
    sensitivity_reasons: list[str]
    approval_expires_at: str | None
    # Written by asking the owner (PENDING_APPROVAL) and by the reminder.
    secret_hash: str  # a single secret's hash, as records written before reminders kept it
    secret_hashes: list[str]
    task_token: str
    approval_topic: str
    reminded_at: str
    # Written by the decision (APPROVED, DENIED).
    decided_by: str
    decided_at: str
    decision_comment: str | None
    # Written by the grant (GRANTED) and the conclusion.
    grants: list[dict[str, Any]]  # Grant.to_dict(): every grant the request holds
    # The parts of those grants other granted requests held already, so not granted again:
    # [{"grant": description, "held_by": [request ids]}] (lakegate.workflow.holdings.SharedPart).
    held_elsewhere: list[dict[str, Any]]
    access_expires_at: str
    consumer_notified_at: str
    # Written by revocation (REVOKED).
    revoked_at: str
    revoked_by: str
    revocation_reason: str
    # What the revocation removed from Lake Formation, and what it left because other granted
    # requests still hold it (SharedPart dicts, as held_elsewhere).
    revocation_removed: list[str]
    revocation_kept: list[dict[str, Any]]
    # Written by a failure (FAILED), or beside GRANTED / REVOKED by a step that failed after the grant.
    error: str
    cause: str
    follow_up_error: str
    follow_up_cause: str
    follow_up_failed_at: str
    # Status events EventBridge did not take yet (JSON details), put by the next access.
    unpublished_events: list[str]


RECORD_FIELDS = frozenset(LedgerRecord.__required_keys__ | LedgerRecord.__optional_keys__)

# What could decide or resume a request: never shown outside the workflow.
PRIVATE_FIELDS = frozenset({"secret_hash", "secret_hashes", "task_token"})

# What the portal's request lists show ("My requests", "Decisions"): no history, grants or secrets.
SUMMARY_FIELDS = (
    "request_id",
    "status",
    "item",
    "database",
    "consumer_account",
    "requester",
    "requester_verified_by",
    "claimed_by",
    "person",
    "request",
    "data_owner",
    "data_owner_name",
    "sensitive",
    "sensitivity_reasons",
    "created_at",
    "approval_expires_at",
    "decided_by",
    "decided_at",
    "decision_comment",
    "access_expires_at",
)

# What ``lakegate list`` shows, in its table and as JSON.
LISTING_FIELDS = (
    "request_id",
    "status",
    "item",
    "database",
    "consumer_account",
    "requester",
    "requester_verified_by",
    "claimed_by",
    "data_owner",
    "created_at",
    "decided_by",
    "decided_at",
)

# What the data-access audit needs to attribute an access to the grant in force at the time.
GRANT_PERIOD_FIELDS = ("request_id", "status", "grants", "history", "revoked_at")


def unknown_fields(names: tuple[str, ...] | frozenset[str]) -> list[str]:
    """The names that are not fields of a ledger record, in order."""
    return [name for name in names if name not in RECORD_FIELDS]


def request_of(record: LedgerRecord) -> StoredRequest:
    """The stored request; empty for a failure recorded before evaluation stored one."""
    return record.get("request") or {}
