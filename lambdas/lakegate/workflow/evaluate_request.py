"""Step 1: validate a request, read its scope from the catalog, decide if it is sensitive, record it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lakegate.catalog.duration_limit import require_duration_within_limit
from lakegate.catalog.parameters import DATA_OWNER, data_owner, data_owner_name
from lakegate.catalog.reader import CatalogScope, read_scope
from lakegate.catalog.sensitivity import assess
from lakegate.core.errors import CatalogItemNotFound, DataOwnerInvalid, DataOwnerMissing, InvalidRequest
from lakegate.core.identifiers import current_partition, is_account_id
from lakegate.core.people import person_for
from lakegate.ledger.store import Ledger, timestamp, utc_now
from lakegate.requests.mesh import MeshMembers
from lakegate.requests.model import AccessRequest, parse_request
from lakegate.requests.requester import RequesterKey, verified_requester

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient


def evaluate_request(
    event: Mapping[str, Any],
    *,
    glue: GlueClient,
    ledger: Ledger,
    mesh: MeshMembers,
    requester_key: RequesterKey,
    approval_timeout_seconds: int,
    user_role_prefix: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Evaluate the execution input ``event["input"]`` of request ``event["request_id"]``.

    Returns the workflow state the next steps read: the request id, the normalized request and
    the evaluation (sensitivity, its reasons, the data owner and the approval timeout). The ledger
    record also names the ``person`` whose role the request is for, when ``target.principal``
    follows the role-name convention (``user_role_prefix`` then the user name); None otherwise.
    A target outside the ``mesh``'s consumers, or a database owned outside its producers, is refused
    before anything is recorded. The requester is recorded as verified only with a proof made by
    ``requester_key`` (``requests.requester``); free text is recorded as ``claimed_by``.
    """
    now = now or utc_now()
    request_id = event.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise InvalidRequest("request_id: the workflow must pass the execution name")
    request = parse_request(event.get("input"), partition=current_partition())
    mesh.require_consumer(request)
    requester, verified_by = verified_requester(request_id, request, event.get("input"), key=requester_key)
    claimed_by = None if requester else request.requester
    scope = read_scope(request, glue=glue)
    _require_columns(request, scope)
    data_owner, data_owner_name = _data_owner(scope)
    mesh.require_producer(scope.database.name, data_owner)
    sensitivity = assess(request, scope)
    require_duration_within_limit(request, scope, sensitive=sensitivity.sensitive)
    expires_at = timestamp(now + timedelta(seconds=approval_timeout_seconds))
    evaluation = {
        "sensitive": sensitivity.sensitive,
        "reasons": list(sensitivity.reasons),
        "data_owner": data_owner,
        "data_owner_name": data_owner_name,
        "approval_timeout_seconds": approval_timeout_seconds,
        "approval_expires_at": expires_at if sensitivity.sensitive else None,
    }
    reason = (
        "sensitive: " + "; ".join(sensitivity.reasons)
        if sensitivity.sensitive
        else "nothing in scope is flagged pii_flag"
    )
    ledger.create(
        request_id,
        {
            "request": request.to_dict(),
            "item": request.item_name,
            "database": request.database,
            "consumer_account": request.consumer_account,
            "requester": requester,
            "requester_verified_by": verified_by,
            "claimed_by": claimed_by,
            "person": person_for(request.principal, user_role_prefix),
            "data_owner": data_owner,
            "data_owner_name": data_owner_name,
            "sensitive": sensitivity.sensitive,
            "sensitivity_reasons": list(sensitivity.reasons),
            "approval_expires_at": expires_at if sensitivity.sensitive else None,
        },
        by=requester or (f"{claimed_by} (claimed)" if claimed_by else request.consumer_account),
        reason=f"requested {request.item_name}; {reason}",
        now=now,
    )
    return {"request_id": request_id, "request": request.to_dict(), "evaluation": evaluation}


def _require_columns(request: AccessRequest, scope: CatalogScope) -> None:
    if not request.columns:
        return
    table = scope.tables[0]
    missing = [name for name in request.columns if table.column(name) is None]
    if missing:
        known = ", ".join(column.name for column in table.columns) or "none"
        raise CatalogItemNotFound(
            f"source.columns: {', '.join(missing)} not found in table {scope.database.name}.{table.name} "
            f"(its columns: {known})"
        )


def _data_owner(scope: CatalogScope) -> tuple[str, str]:
    parameters = scope.database.parameters
    owner = data_owner(parameters)
    if not owner:
        raise DataOwnerMissing(
            f"database {scope.database.name} has no {DATA_OWNER} parameter; its producer must set it "
            "to the 12-digit account id that owns the data"
        )
    if not is_account_id(owner):
        raise DataOwnerInvalid(
            f"database {scope.database.name} has {DATA_OWNER}={owner!r}, which is not a 12-digit account id"
        )
    name = data_owner_name(parameters) or owner
    return owner, name
