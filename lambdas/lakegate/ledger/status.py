"""A request's statuses and the one table of the changes allowed between them.

The ledger enforces the table in every write that changes a status (each write is conditioned
on the statuses the table allows it to start from), so no caller can move a request along an
edge that is not written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "RECEIVED"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    GRANTED = "GRANTED"
    DENIED = "DENIED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"
    REVOKED = "REVOKED"


# Status now -> the statuses it may become. A request is created RECEIVED; FAILED ends it from any
# status that holds no grants (a step that failed before or instead of granting), and nothing
# leaves FAILED. GRANTED and REVOKED never become FAILED: the ledger must say what Lake Formation
# holds, so a step failing after the grant is recorded beside the status (``follow_up_error``).
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    # Evaluation found something sensitive (ask the owner) or nothing (grant at once).
    Status.RECEIVED: frozenset({Status.PENDING_APPROVAL, Status.GRANTED, Status.FAILED}),
    # The owner decided, nobody did in time, or the ask was retried (a new secret replaces the old).
    Status.PENDING_APPROVAL: frozenset(
        {Status.PENDING_APPROVAL, Status.APPROVED, Status.DENIED, Status.EXPIRED, Status.FAILED}
    ),
    # Granted; or the decision reached a workflow that had stopped waiting (expired), or could not
    # reach it at all (open again, to be decided anew).
    Status.APPROVED: frozenset({Status.GRANTED, Status.EXPIRED, Status.PENDING_APPROVAL, Status.FAILED}),
    Status.DENIED: frozenset({Status.EXPIRED, Status.PENDING_APPROVAL, Status.FAILED}),
    Status.GRANTED: frozenset({Status.REVOKED}),
    Status.EXPIRED: frozenset({Status.FAILED}),
    Status.REVOKED: frozenset(),
    Status.FAILED: frozenset(),
}


def sources_of(target: Status) -> frozenset[Status]:
    """The statuses a request may be in to become ``target``."""
    return frozenset(status for status, targets in TRANSITIONS.items() if target in targets)


class TransitionNotAllowed(ValueError):
    """A caller asked for a status change the table does not have: a defect, not a conflict."""
