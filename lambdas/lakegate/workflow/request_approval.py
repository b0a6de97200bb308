"""Step 2 (sensitive requests): ask the data owner through the producer account's approval topic.

The function has two modes. Called by the workflow (``request_id`` and ``task_token``) it emails the
approval links and schedules the reminder; called by the approval-reminder state machine
(``request_id`` and ``"reminder": true``) it sends that one reminder with fresh links (see
lakegate.workflow.approval_reminder). Both publish with the one role the producer accounts trust.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lakegate.approvals.email_message import ApprovalEmail, approval_email
from lakegate.approvals.links import APPROVE, DENY, decision_link, hash_secret, new_secret
from lakegate.core.assumed_role import assumed_client, session_name
from lakegate.core.errors import (
    ApprovalRequestFailed,
    InvalidRequest,
    RequestNotFound,
    error_code,
    raise_if_transient,
)
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status import Status
from lakegate.ledger.store import SYSTEM_ACTOR, Ledger, utc_now
from lakegate.workflow.access_expiry import DAY_SECONDS
from lakegate.workflow.approval_reminder import ReminderScheduler

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sts import STSClient


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to, for building ARNs in other accounts."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class ApprovalSettings:
    decision_base_url: str
    producer_role_name: str
    producer_topic_name: str
    region: str
    access_day_seconds: int = DAY_SECONDS  # dates the access expiry the email shows

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.producer_role_name}"

    def topic_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:sns:{self.region}:{account_id}:{self.producer_topic_name}"


def request_approval(
    event: Mapping[str, Any],
    *,
    ledger: Ledger,
    sts: STSClient,
    settings: ApprovalSettings,
    reminders: ReminderScheduler | None = None,
    now: datetime | None = None,
    make_secret: Callable[[], str] = new_secret,
) -> dict[str, Any]:
    """Store a fresh secret and the task token, email both links to the data owner, schedule the reminder.

    With ``reminders``, the reminder execution is started once the email is out, if the reminder time
    is still ahead.
    """
    now = now or utc_now()
    request_id = event.get("request_id")
    task_token = event.get("task_token")
    if not request_id or not task_token:
        raise InvalidRequest("request_id and task_token: the workflow must pass both")
    record = ledger.require(request_id)
    owner = record["data_owner"]
    secret = make_secret()
    topic_arn = settings.topic_arn(owner)
    record = ledger.transition(
        request_id,
        # Also from PENDING_APPROVAL: a retry of this step replaces the secret, so links from an
        # unsent attempt never work.
        to=Status.PENDING_APPROVAL,
        by=SYSTEM_ACTOR,
        reason=f"asked data owner {owner} on {topic_arn}",
        now=now,
        set_fields={
            "secret_hashes": [hash_secret(secret)],
            "task_token": task_token,
            "approval_topic": topic_arn,
        },
        remove_fields=("secret_hash",),
    )
    email = _email(record, request_id, secret, settings=settings, now=now, reminder=False)
    message_id = _publish(email, owner, request_id, topic_arn, sts=sts, settings=settings)
    result: dict[str, Any] = {"request_id": request_id, "approval_topic": topic_arn, "message_id": message_id}
    if reminders is not None:
        scheduled = reminders.schedule(
            request_id, approval_expires_at=record.get("approval_expires_at"), now=now
        )
        if scheduled is not None:
            result["remind_at"] = scheduled["remind_at"]
    return result


def _email(
    record: LedgerRecord,
    request_id: str,
    secret: str,
    *,
    settings: ApprovalSettings,
    now: datetime,
    reminder: bool,
) -> ApprovalEmail:
    """The owner's email for ``record``, with Approve and Deny links carrying ``secret``."""
    return approval_email(
        record,
        request_id=request_id,
        approve_link=decision_link(settings.decision_base_url, request_id, APPROVE, secret),
        deny_link=decision_link(settings.decision_base_url, request_id, DENY, secret),
        now=now,
        day_seconds=settings.access_day_seconds,
        reminder=reminder,
    )


def send_reminder(
    event: Mapping[str, Any],
    *,
    ledger: Ledger,
    sts: STSClient,
    settings: ApprovalSettings,
    now: datetime | None = None,
    make_secret: Callable[[], str] = new_secret,
) -> dict[str, Any]:
    """The reminder mode: email the owner of a request still undecided once more, with fresh links.

    Only a request still PENDING_APPROVAL, before its deadline and not reminded yet gets it: the
    ledger claim (``reminded_at`` and the new secret's hash added to the valid ones) decides, so a
    second call sends nothing. The first email's links keep working.
    """
    now = now or utc_now()
    request_id = event.get("request_id")
    if not request_id:
        raise InvalidRequest("request_id: the reminder state machine must pass it")
    secret = make_secret()
    record = ledger.claim_reminder(request_id, secret_hash=hash_secret(secret), now=now)
    if record is None:
        current = ledger.get(request_id)
        if current is None:
            raise RequestNotFound(f"request {request_id} is not in the ledger")
        return {"request_id": request_id, "reminded": False, "status": current.get("status")}
    owner = record["data_owner"]
    topic_arn = settings.topic_arn(owner)
    email = _email(record, request_id, secret, settings=settings, now=now, reminder=True)
    try:
        message_id = _publish(email, owner, request_id, topic_arn, sts=sts, settings=settings)
    except Exception:
        # Not sent: let the state machine's retry (or a later call) send it.
        ledger.release_reminder(request_id, reminded_at=record["reminded_at"])
        raise
    return {"request_id": request_id, "reminded": True, "approval_topic": topic_arn, "message_id": message_id}


def _publish(
    email: ApprovalEmail,
    owner: str,
    request_id: str,
    topic_arn: str,
    *,
    sts: STSClient,
    settings: ApprovalSettings,
) -> str:
    sns = _producer_sns(owner, request_id, sts=sts, settings=settings)
    try:
        response = sns.publish(TopicArn=topic_arn, Subject=email.subject, Message=email.body)
    except ClientError as error:
        raise_if_transient(error, f"publishing to {topic_arn}")
        raise ApprovalRequestFailed(
            f"could not publish to the approval topic {topic_arn}: {error_code(error)}; "
            "check that the producer stack is deployed in that account and region"
        ) from error
    return response["MessageId"]


def _producer_sns(owner: str, request_id: str, *, sts: STSClient, settings: ApprovalSettings) -> SNSClient:
    role_arn = settings.role_arn(owner)
    try:
        sns: SNSClient = assumed_client(
            "sns", role_arn=role_arn, session_name=session_name(request_id), sts=sts, region=settings.region
        )
    except ClientError as error:
        raise_if_transient(error, f"assuming {role_arn}")
        raise ApprovalRequestFailed(
            f"could not assume the producer role {role_arn}: {error_code(error)}; check that the producer "
            "stack is deployed in account " + owner + " and trusts this central account's workflow role"
        ) from error
    return sns
