"""Step 3: make the Lake Formation grants the ledger allows, and record exactly what was granted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.errors import (
    CatalogItemNotFound,
    GrantFailed,
    InvalidRequest,
    RequestStateConflict,
    TransientAwsError,
    error_code,
    is_transient,
)
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status import Status
from lakegate.ledger.store import SYSTEM_ACTOR, Ledger, timestamp, utc_now
from lakegate.requests.model import AccessRequest
from lakegate.workflow.access_expiry import ExpiryScheduler
from lakegate.workflow.grants import Grant, describe_resource, plan_grants
from lakegate.workflow.holdings import SharedPart, atoms_of, holdings, narrowed

if TYPE_CHECKING:
    from mypy_boto3_lakeformation import LakeFormationClient

logger = Logger(child=True)


def grant_access(
    event: Mapping[str, Any],
    *,
    ledger: Ledger,
    lakeformation: LakeFormationClient,
    expiry: ExpiryScheduler | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Grant request ``event["request_id"]`` if the ledger says it may be granted.

    Only an approved request, or a non-sensitive one, is granted; a retry after success
    returns the recorded grants without granting again. A request with ``duration_days`` is
    granted until ``access_expires_at`` (recorded with the grants), counted from the decision
    (or from the request, when nothing needed approval). ``expiry`` starts the execution that
    revokes it then *before* anything is granted: a time-bound grant whose end could not be
    scheduled is never made, so the failure that follows is the truth. Every attempt schedules the
    same end (the same execution name and input), so a retry finds the first attempt's execution.

    What other granted requests of the same grantee already hold is not granted again
    (``workflow.holdings``): the record keeps every grant the request holds and names, under
    ``held_elsewhere``, the parts it shares and with which requests.
    """
    now = now or utc_now()
    request_id = event.get("request_id")
    if not request_id:
        raise InvalidRequest("request_id: the workflow must pass it")
    record = ledger.require(request_id)
    status = record["status"]
    request = AccessRequest.from_dict(record["request"])
    if request.duration_days and expiry is None:
        raise InvalidRequest(
            f"request {request_id} asks for {request.duration_days} days of access, "
            "but this function has no expiry state machine to end it; nothing was granted"
        )
    if status == Status.GRANTED:  # a retry after success: its expiry was scheduled before the grant
        if record.get("held_elsewhere"):  # the first attempt may have stopped before checking again
            recorded = [Grant.from_dict(data) for data in record.get("grants", [])]
            _grant_what_was_revoked_meanwhile(request, request_id, recorded, [], ledger, lakeformation)
        return _result(request_id, record.get("grants", []), record.get("access_expires_at"))
    if not (status == Status.APPROVED or (status == Status.RECEIVED and not record.get("sensitive"))):
        raise RequestStateConflict(
            f"request {request_id} is {status} and sensitive={record.get('sensitive')}; "
            "only an approved or a non-sensitive request is granted"
        )
    grants = plan_grants(request)
    expires_at = None
    if request.duration_days and expiry is not None:
        counted_from = datetime.fromisoformat(str(record.get("decided_at") or record["created_at"]))
        expires_at = expiry.expires_at(counted_from, request.duration_days)
        expiry.schedule(request_id, expires_at=expires_at, duration_days=request.duration_days)
    to_grant, shared = holdings(request, request_id=request_id, ledger=ledger).split(grants)
    _grant_all(to_grant, lakeformation)
    fields: LedgerRecord = {"grants": [grant.to_dict() for grant in grants]}
    reason = _grant_reason(to_grant, shared)
    if shared:
        fields["held_elsewhere"] = [part.to_dict() for part in shared]
    if expires_at is not None:
        fields["access_expires_at"] = timestamp(expires_at)
        reason += f"; until {fields['access_expires_at']}"
    ledger.transition(
        request_id,
        to=Status.GRANTED,
        by=SYSTEM_ACTOR,
        reason=reason,
        now=now,
        set_fields=fields,
    )
    if shared:
        _grant_what_was_revoked_meanwhile(request, request_id, grants, to_grant, ledger, lakeformation)
    return _result(request_id, fields["grants"], fields.get("access_expires_at"))


def _grant_reason(granted: list[Grant], shared: list[SharedPart]) -> str:
    parts = ["granted " + "; ".join(grant.describe() for grant in granted)] if granted else []
    parts += [
        f"already held through request {', '.join(part.held_by)}: {part.grant.describe()}" for part in shared
    ]
    if not granted:
        parts.insert(0, "nothing new granted: the access is held in full through other granted requests")
    return "; ".join(parts)


def _grant_what_was_revoked_meanwhile(
    request: AccessRequest,
    request_id: str,
    grants: list[Grant],
    granted: list[Grant],
    ledger: Ledger,
    lakeformation: LakeFormationClient,
) -> None:
    """Grant the shared parts whose other holders were revoked while this request was being granted.

    Read after this request's GRANTED write: a revocation that read the holders before that write (and
    so removed the permission) has written REVOKED by now, so it shows here.
    """
    unheld, _ = holdings(request, request_id=request_id, ledger=ledger).split(grants)
    made = {atom for grant in granted for atom in atoms_of(grant)}
    lost = [
        part
        for grant in unheld
        if (part := narrowed(grant, [atom for atom in atoms_of(grant) if atom not in made])) is not None
    ]
    if lost:
        logger.info(
            "granting what another request's revocation removed",
            extra={"grants": [g.describe() for g in lost]},
        )
        _grant_all(lost, lakeformation)


def _result(request_id: str, grants: list[dict[str, Any]], access_expires_at: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {"request_id": request_id, "grants": grants}
    if access_expires_at:
        result["access_expires_at"] = access_expires_at
    return result


def _grant_all(grants: list[Grant], lakeformation: LakeFormationClient) -> None:
    """Make every grant or none: on a refusal, revoke what this attempt granted, then raise."""
    made: list[Grant] = []
    for grant in grants:
        try:
            lakeformation.grant_permissions(**grant.api_arguments())
        except ClientError as error:
            _roll_back(made, lakeformation)
            if is_transient(error):
                raise TransientAwsError(f"granting {grant.describe()}: {error_code(error)}") from error
            if error_code(error) == "EntityNotFoundException":
                # Evaluation found the item; it was dropped while the owner was deciding.
                raise CatalogItemNotFound(
                    f"{describe_resource(grant.resource)} is no longer in the Data Catalog; "
                    "nothing was granted"
                ) from error
            message = error.response.get("Error", {}).get("Message", "")
            raise GrantFailed(
                f"Lake Formation refused {grant.describe()}: {error_code(error)} {message}".strip()
                + "; check that the workflow's grant role is a data lake administrator with grant option"
            ) from error
        made.append(grant)


def _roll_back(made: list[Grant], lakeformation: LakeFormationClient) -> None:
    for grant in reversed(made):
        try:
            lakeformation.revoke_permissions(**grant.api_arguments())
        except ClientError:
            logger.exception("could not roll back a grant", extra={"grant": grant.to_dict()})
