"""Revocation: remove exactly the grants the ledger recorded, record who and why, tell the consumer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.errors import RequestStateConflict, error_code, raise_if_transient
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger, StatusConflict, timestamp, utc_now
from lakegate.requests.model import AccessRequest
from lakegate.workflow.consumer_notice import ConsumerNotifier
from lakegate.workflow.grants import Grant
from lakegate.workflow.holdings import SharedPart, holdings

if TYPE_CHECKING:
    from mypy_boto3_lakeformation import LakeFormationClient

logger = Logger(child=True)

# Lake Formation's answers when there is nothing left to revoke: the item is gone, or the
# principal no longer holds the permission (revoked by an earlier attempt or by hand).
_ALREADY_GONE = frozenset({"EntityNotFoundException", "InvalidInputException"})


def revoke_access(
    request_id: str,
    *,
    ledger: Ledger,
    lakeformation: LakeFormationClient,
    notifier: ConsumerNotifier,
    by: str,
    reason: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Revoke a GRANTED request; revoking a REVOKED one again changes nothing and says so.

    Only what no other granted request of the same grantee still holds is removed from Lake Formation
    (``workflow.holdings``); the rest is kept, and the ledger and the notice say what and why. Lake
    Formation is changed before the ledger, so a revocation that stops half-way is redone by a retry.
    """
    now = now or utc_now()
    record = ledger.require(request_id)
    if record["status"] == Status.REVOKED:
        return _result(record, revoked_now=False)
    if record["status"] != Status.GRANTED:
        raise RequestStateConflict(
            f"request {request_id} is {record['status']}; only a granted request can be revoked"
        )
    request = AccessRequest.from_dict(record["request"])
    grants = [Grant.from_dict(data) for data in record.get("grants", [])]
    alone, kept = holdings(request, request_id=request_id, ledger=ledger).split(grants)
    removed: list[Grant] = []
    not_held: list[str] = []
    for grant in alone:
        if _revoke(grant, lakeformation):
            removed.append(grant)
        else:
            not_held.append(grant.describe())
    fields: LedgerRecord = {
        "revoked_at": timestamp(now),
        "revoked_by": by,
        "revocation_reason": reason,
        "revocation_removed": [grant.describe() for grant in removed],
        "revocation_kept": [part.to_dict() for part in kept],
    }
    try:
        record = ledger.transition(
            request_id,
            to=Status.REVOKED,
            by=by,
            reason=_history_reason(reason, kept),
            now=now,
            set_fields=fields,
        )
    except StatusConflict as conflict:
        if conflict.current and conflict.current["status"] == Status.REVOKED:
            return _result(conflict.current, revoked_now=False)  # a concurrent revocation won
        raise
    _restore_what_others_were_granted_meanwhile(request, request_id, removed, ledger, lakeformation)
    notifier.publish(record, Status.REVOKED.value)
    return {
        **_result(record, revoked_now=True),
        "removed": [grant.describe() for grant in removed],
        "not_held": not_held,
    }


def _history_reason(reason: str, kept: list[SharedPart]) -> str:
    if not kept:
        return reason
    held = "; ".join(f"{part.grant.describe()} (request {', '.join(part.held_by)})" for part in kept)
    return f"{reason}; kept what other granted requests still hold: {held}"


def _restore_what_others_were_granted_meanwhile(
    request: AccessRequest,
    request_id: str,
    removed: list[Grant],
    ledger: Ledger,
    lakeformation: LakeFormationClient,
) -> None:
    """Grant again what this revocation removed if a request holding it was granted meanwhile.

    Read after this request's REVOKED write: a grant that read the holders before it (saw this request
    and so granted nothing) has written GRANTED by now, so it shows here.
    """
    if not removed:
        return
    _, shared = holdings(request, request_id=request_id, ledger=ledger).split(removed)
    for part in shared:
        logger.info("restoring what another granted request holds", extra={"grant": part.to_dict()})
        try:
            lakeformation.grant_permissions(**part.grant.api_arguments())
        except ClientError as error:
            raise_if_transient(error, f"granting {part.grant.describe()} again")
            raise


def _revoke(grant: Grant, lakeformation: LakeFormationClient) -> bool:
    """Revoke one recorded grant: True if Lake Formation held it, False if it was gone already."""
    try:
        lakeformation.revoke_permissions(**grant.api_arguments())
    except ClientError as error:
        raise_if_transient(error, f"revoking {grant.describe()}")
        if error_code(error) not in _ALREADY_GONE:
            raise
        logger.info("nothing left to revoke", extra={"grant": grant.to_dict(), "code": error_code(error)})
        return False
    return True


def _result(record: LedgerRecord, *, revoked_now: bool) -> dict[str, Any]:
    """What a revocation did: ``kept`` as recorded; ``removed`` and ``not_held`` only when it happened now."""
    return {
        "request_id": record["request_id"],
        "status": record["status"],
        "revoked_now": revoked_now,
        "revoked_by": record.get("revoked_by"),
        "revoked_at": record.get("revoked_at"),
        "reason": record.get("revocation_reason"),
        "grants": record.get("grants", []),
        "removed": [],
        "not_held": [],
        "kept": record.get("revocation_kept", []),
    }
