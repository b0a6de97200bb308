"""Taking a data owner's decision: from an approval link, the owner's AWS identity, or the portal.

Every way shares one claim: a conditional ledger update (still pending, not expired, and for a
link one of the request's secrets: the approval email's or the reminder's) that also removes the
task token, so a request is decided at most once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from lakegate.approvals.links import ACTIONS, APPROVE, hash_secret, secret_matches_any, valid_secret_hashes
from lakegate.core.errors import LakegateError, RequestNotFound, error_code
from lakegate.ledger.record import LedgerRecord, request_of
from lakegate.ledger.status import Status
from lakegate.ledger.store import SYSTEM_ACTOR, Ledger, StatusConflict, timestamp, utc_now

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

MAX_APPROVER_LENGTH = 128
MAX_COMMENT_LENGTH = 1000
# Step Functions no longer waits for this token: the request timed out or its execution ended.
_TOKEN_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})


class LinkRejected(LakegateError):
    """The secret is missing or wrong: the link was not issued for this request."""


class CallerNotAllowed(LakegateError):
    """The caller has no AWS identity, or is not in the account that owns the requested data."""


class InvalidDecision(LakegateError):
    """The decision is malformed (unknown action, text too long, a body that is not understood)."""


def closed_reason(record: LedgerRecord) -> str:
    """Why a request can no longer be decided: who decided it and when, or that it expired."""
    request_id = record.get("request_id")
    status = record.get("status")
    if status == Status.EXPIRED:
        return f"request {request_id} expired: nobody decided in time, and it can no longer be decided"
    if record.get("decided_by"):
        return (
            f"request {request_id} was already decided by {record['decided_by']} at "
            f"{record.get('decided_at')}; it is {status}"
        )
    return f"request {request_id} is {status}, not waiting for a decision"


class DecisionClosed(LakegateError):
    """The request is no longer waiting for a decision; ``record`` says what happened to it."""

    def __init__(self, record: LedgerRecord) -> None:
        super().__init__(f"request {record['request_id']} is {record['status']}")
        self.record = record


class TryAgainLater(LakegateError):
    """The decision could not be delivered to the workflow; nothing was decided."""


@dataclass(frozen=True)
class Decision:
    action: str
    approver: str | None
    comment: str | None

    @property
    def status(self) -> Status:
        return Status.APPROVED if self.action == APPROVE else Status.DENIED


@dataclass(frozen=True)
class Caller:
    """An AWS identity as API Gateway's IAM authorization reports it (``requestContext.authorizer.iam``)."""

    account_id: str
    arn: str
    caller_id: str = ""
    user_id: str = ""

    @property
    def decided_by(self) -> str:
        return f"{self.arn} (AWS identity)"


class PortalDecider(Protocol):
    """A signed-in portal user as a decision needs them (``lakegate.portal.auth.PortalUser``)."""

    @property
    def username(self) -> str: ...

    def may_decide_for(self, account_id: str) -> bool:
        """Whether the user owns ``account_id`` (``custom:owner_accounts``) or is an admin."""
        ...


def caller_from_iam(iam: Mapping[str, Any]) -> Caller:
    """The caller of an AWS_IAM-authorized route; CallerNotAllowed when the event carries no identity."""
    account_id = str(iam.get("accountId") or "")
    arn = str(iam.get("userArn") or "")
    if not account_id or not arn:
        raise CallerNotAllowed(
            "the request carries no AWS identity; sign it with SigV4 (lakegate approve does)"
        )
    return Caller(
        account_id=account_id,
        arn=arn,
        caller_id=str(iam.get("callerId") or ""),
        user_id=str(iam.get("userId") or ""),
    )


def is_expired(record: LedgerRecord, now: datetime) -> bool:
    expires_at = record.get("approval_expires_at")
    return bool(expires_at) and timestamp(now) >= str(expires_at)


def _require_pending(record: LedgerRecord, now: datetime) -> None:
    if record["status"] != Status.PENDING_APPROVAL:
        raise DecisionClosed(record)
    if is_expired(record, now):
        raise DecisionClosed({**record, "status": Status.EXPIRED.value})


def open_link(
    request_id: str, secret: str | None, *, ledger: Ledger, now: datetime | None = None
) -> LedgerRecord:
    """The record behind a link that may still decide the request; otherwise a typed refusal."""
    now = now or utc_now()
    record = ledger.get(request_id)
    if record is None:
        raise RequestNotFound(f"request {request_id} is not known")
    if not secret_matches_any(secret, valid_secret_hashes(record)):
        raise LinkRejected("this link is not valid for the request")
    _require_pending(record, now)
    return record


def parse_decision(action: str | None, approver: str | None, comment: str | None) -> Decision:
    if action not in ACTIONS:
        raise InvalidDecision(f"action: must be one of {', '.join(ACTIONS)}")
    approver = (approver or "").strip() or None
    comment = (comment or "").strip() or None
    if approver and len(approver) > MAX_APPROVER_LENGTH:
        raise InvalidDecision(f"approver: at most {MAX_APPROVER_LENGTH} characters")
    if comment and len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidDecision(f"comment: at most {MAX_COMMENT_LENGTH} characters")
    return Decision(action=action, approver=approver, comment=comment)


def take_decision(
    request_id: str,
    secret: str | None,
    decision: Decision,
    *,
    ledger: Ledger,
    sfn: SFNClient,
    now: datetime | None = None,
) -> LedgerRecord:
    """Decide from an approval link: the claim also requires the link's secret."""
    now = now or utc_now()
    open_link(request_id, secret, ledger=ledger, now=now)
    return _claim_and_resume(
        request_id,
        decision,
        decided_by=f"{decision.approver or 'data owner'} (email link)",
        via="the approval link",
        # Any of the request's secrets (the first email's, the reminder's); records from before
        # reminders keep their one hash in secret_hash.
        condition=(
            "(contains(secret_hashes, :hash) OR secret_hash = :hash)",
            {":hash": hash_secret(secret or "")},
        ),
        ledger=ledger,
        sfn=sfn,
        now=now,
    )


def take_owner_decision(
    request_id: str,
    caller: Caller,
    decision: Decision,
    *,
    ledger: Ledger,
    sfn: SFNClient,
    now: datetime | None = None,
) -> LedgerRecord:
    """Decide as an AWS identity of the data owner's account (``lakegate approve`` / ``deny``).

    Only a caller whose account is the request's ``data_owner`` may decide; who they are (their
    ARN) is recorded as the approver.
    """
    now = now or utc_now()
    record = ledger.get(request_id)
    if record is None:
        raise RequestNotFound(f"request {request_id} is not known")
    owner = str(record.get("data_owner") or "")
    if not owner or caller.account_id != owner:
        raise CallerNotAllowed(
            f"only the data owner's account {owner or '(none recorded)'} may decide request {request_id}; "
            f"you are {caller.arn} in account {caller.account_id}"
        )
    refuse_own_request(record, caller.arn)
    _require_pending(record, now)
    return _claim_and_resume(
        request_id,
        decision,
        decided_by=caller.decided_by,
        via="the owner's AWS identity",
        condition=None,
        ledger=ledger,
        sfn=sfn,
        now=now,
    )


def take_portal_decision(
    request_id: str,
    user: PortalDecider,
    decision: Decision,
    *,
    ledger: Ledger,
    sfn: SFNClient,
    now: datetime | None = None,
) -> LedgerRecord:
    """Decide as a portal user who owns the request's ``data_owner`` account, or as an admin.

    The user's name is recorded as the approver: ``decided_by`` is ``"<username> (portal)"``.
    """
    now = now or utc_now()
    record = ledger.get(request_id)
    if record is None:
        raise RequestNotFound(f"request {request_id} is not known")
    owner = str(record.get("data_owner") or "")
    if not owner or not user.may_decide_for(owner):
        raise CallerNotAllowed(
            f"only an owner of account {owner or '(none recorded)'} or an admin may decide request "
            f"{request_id}; {user.username} is neither"
        )
    refuse_own_request(record, user.username)
    _require_pending(record, now)
    return _claim_and_resume(
        request_id,
        decision,
        decided_by=f"{user.username} (portal)",
        via="the portal",
        condition=None,
        ledger=ledger,
        sfn=sfn,
        now=now,
    )


def refuse_own_request(record: LedgerRecord, identity: str) -> None:
    """CallerNotAllowed when ``identity`` asked for the request, or is the person it grants to.

    Nobody decides their own request, admins included: a second person must look at it.
    """
    # The claimed name counts too: refusing on it is stricter, never looser.
    asked_by = (
        record.get("requester"),
        record.get("claimed_by"),
        request_of(record).get("requester"),
        record.get("person"),
    )
    own = {str(name).strip() for name in asked_by if name}
    if identity.strip() in own:
        raise CallerNotAllowed(
            f"{identity} asked for request {record.get('request_id')} (or would receive it) and may not "
            "decide it too; another owner of the data, or an admin, must decide it"
        )


def _claim_and_resume(
    request_id: str,
    decision: Decision,
    *,
    decided_by: str,
    via: str,
    condition: tuple[str, Mapping[str, Any]] | None,
    ledger: Ledger,
    sfn: SFNClient,
    now: datetime,
) -> LedgerRecord:
    """Claim the request for the decision, then resume the workflow with it.

    The claim is one conditional update (still pending, not expired, plus ``condition``) that
    also removes the task token, so a request is decided at most once even when two decisions
    race; a decision the workflow cannot receive undoes the claim.
    """
    expression = "approval_expires_at > :now"
    values: dict[str, Any] = {":now": timestamp(now)}
    if condition is not None:
        expression = f"{expression} AND {condition[0]}"
        values.update(condition[1])
    try:
        before = ledger.transition(
            request_id,
            to=decision.status,
            by=decided_by,
            reason=decision.comment or f"{decision.status.value.lower()} from {via}",
            now=now,
            set_fields={
                "decided_by": decided_by,
                "decided_at": timestamp(now),
                "decision_comment": decision.comment,
            },
            remove_fields=("task_token",),
            extra_condition=(expression, values),
            return_old=True,
        )
    except StatusConflict as conflict:
        if conflict.current is None:
            raise RequestNotFound(f"request {request_id} is not known") from conflict
        raise DecisionClosed(conflict.current) from conflict
    output = {"decision": decision.status.value, "decided_by": decided_by, "comment": decision.comment}
    try:
        sfn.send_task_success(taskToken=before["task_token"], output=json.dumps(output))
    except ClientError as error:
        if error_code(error) in _TOKEN_GONE:
            raise DecisionClosed(_close_expired(request_id, decision, ledger=ledger, now=now)) from error
        _reopen(request_id, before, decision, ledger=ledger, now=now)
        raise TryAgainLater(f"the decision could not reach the workflow ({error_code(error)})") from error
    return ledger.require(request_id)


def _close_expired(request_id: str, decision: Decision, *, ledger: Ledger, now: datetime) -> LedgerRecord:
    """Record that the claimed decision came too late; the workflow's own timeout may have already."""
    try:
        return ledger.transition(
            request_id,
            to=Status.EXPIRED,
            only_from=decision.status,
            by=SYSTEM_ACTOR,
            reason="the workflow had stopped waiting for a decision",
            now=now,
        )
    except StatusConflict as conflict:
        if conflict.current is not None and conflict.current["status"] == Status.EXPIRED:
            return conflict.current
        raise


def _reopen(
    request_id: str, before: LedgerRecord, decision: Decision, *, ledger: Ledger, now: datetime
) -> None:
    """Undo a claim whose decision could not be delivered, so the request can be decided again."""
    ledger.transition(
        request_id,
        to=Status.PENDING_APPROVAL,
        only_from=decision.status,
        by=SYSTEM_ACTOR,
        reason="the decision could not be delivered to the workflow; the request is open again",
        now=now,
        set_fields={"task_token": before["task_token"]},
        remove_fields=("decided_by", "decided_at", "decision_comment"),
    )
