"""Central side: report Lake Formation RAM invitations that consumers have left pending too long.

When Lake Formation shares with an account outside the central account's organization, AWS RAM
invites that account, and the share's principal association stays ``ASSOCIATING`` until the
invitation is accepted. RAM invitations expire, and RAM has no call to send one again: the only
way to a fresh invitation is to disassociate the consumer from the share and associate it again,
which lakegate leaves to a person (the notice says how). This module only reports.

Run hourly. Every run logs each pending association older than the threshold as a warning; a
consumer is notified when an association crosses the threshold and every 24 hours after while it
stays pending, decided from the scheduled time alone, so no state is kept between runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.errors import raise_if_transient
from lakegate.core.identifiers import is_account_id
from lakegate.sharing.ram import RamClient, all_items

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

logger = Logger(child=True)

INVITATION_PENDING = "INVITATION_PENDING"
PENDING = "ASSOCIATING"
# Lake Formation names the RAM shares it creates LakeFormation-V<version>-...; the central grant
# role may only manage shares with this prefix (stacks/permissions.py).
LAKE_FORMATION_SHARE_PREFIX = "LakeFormation"
REMIND_EVERY = timedelta(hours=24)
SUBJECT_LIMIT = 100

_IAM_ARN = re.compile(r"arn:[\w-]+:iam::(?P<account>\d{12}):.+")


def consumer_account(associated_entity: str) -> str | None:
    """The account a principal association invites: an account id, or the account of a role or user ARN.

    Organizations and organizational units are never invited (their accounts get access at once),
    so they have no consumer account here.
    """
    if is_account_id(associated_entity):
        return associated_entity
    match = _IAM_ARN.fullmatch(associated_entity)
    return match.group("account") if match else None


@dataclass(frozen=True)
class PendingInvitation:
    """A consumer's principal association to a Lake Formation share, still waiting for acceptance."""

    resource_share_arn: str
    resource_share_name: str
    principal: str
    consumer_account: str
    pending_since: datetime

    def age(self, now: datetime) -> timedelta:
        return now - self.pending_since

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "resource_share_arn": self.resource_share_arn,
            "resource_share_name": self.resource_share_name,
            "principal": self.principal,
            "consumer_account": self.consumer_account,
            "pending_since": self.pending_since.isoformat(),
            "pending_hours": round(self.age(now) / timedelta(hours=1), 1),
        }


def stale_invitations(
    associations: Iterable[Mapping[str, Any]], *, now: datetime, stale_after: timedelta
) -> list[PendingInvitation]:
    """The pending principal associations that have been pending for ``stale_after`` or longer.

    An association has been pending since it last changed (a consumer disassociated and associated
    again was invited again then), or since it was created.
    """
    stale: list[PendingInvitation] = []
    for association in associations:
        if association.get("status") != PENDING:
            continue
        principal = str(association.get("associatedEntity", ""))
        account = consumer_account(principal)
        since = association.get("lastUpdatedTime") or association.get("creationTime")
        if account is None or not isinstance(since, datetime):
            continue
        pending = PendingInvitation(
            resource_share_arn=str(association.get("resourceShareArn", "")),
            resource_share_name=str(association.get("resourceShareName", "")),
            principal=principal,
            consumer_account=account,
            pending_since=_aware(since),
        )
        if pending.age(now) >= stale_after:
            stale.append(pending)
    return stale


def due_for_notice(
    pending: PendingInvitation, *, now: datetime, stale_after: timedelta, period: timedelta
) -> bool:
    """Whether the run at ``now`` (one every ``period``) notifies about ``pending``.

    True in the one run after it turned stale, and in the one run every ``REMIND_EVERY`` after that,
    as long as it stays pending: each stale invitation is announced once a day, without stored state.
    """
    overdue = pending.age(now) - stale_after
    return overdue >= timedelta(0) and overdue % REMIND_EVERY < period


def scheduled_time(event: Mapping[str, Any]) -> datetime | None:
    """The time an EventBridge scheduled event was due (its ``time``), the same for every retry of it."""
    raw = event.get("time")
    if not isinstance(raw, str):
        return None
    try:
        return _aware(datetime.fromisoformat(raw))
    except ValueError:
        return None


def report_stale_invitations(
    event: Mapping[str, Any],
    *,
    ram: RamClient,
    sns: SNSClient,
    topic_arn: str,
    stale_after: timedelta,
    period: timedelta,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Find the Lake Formation invitations still pending after ``stale_after``; log them, notify consumers.

    One message per consumer account goes to the consumer-notification topic, with the message
    attributes ``status`` = ``INVITATION_PENDING`` and ``consumer_account``, so each consumer's
    filtered subscription gets its own invitations and nobody else's.
    """
    now = now or scheduled_time(event) or datetime.now(UTC)
    shares = [
        share
        for share in all_items(
            ram.get_resource_shares,
            "resourceShares",
            doing="listing this account's resource shares",
            resourceOwner="SELF",
            resourceShareStatus="ACTIVE",
        )
        if str(share.get("name", "")).startswith(LAKE_FORMATION_SHARE_PREFIX)
    ]
    stale: list[PendingInvitation] = []
    for share in shares:
        associations = all_items(
            ram.get_resource_share_associations,
            "resourceShareAssociations",
            doing=f"listing the principals of {share['resourceShareArn']}",
            associationType="PRINCIPAL",
            resourceShareArns=[share["resourceShareArn"]],
            associationStatus=PENDING,
        )
        stale.extend(stale_invitations(associations, now=now, stale_after=stale_after))

    due: dict[str, list[PendingInvitation]] = {}
    for pending in stale:
        notify = due_for_notice(pending, now=now, stale_after=stale_after, period=period)
        logger.warning(
            "RAM invitation still not accepted",
            extra={**pending.to_dict(now), "stale_after_hours": _hours(stale_after), "notify": notify},
        )
        if notify:
            due.setdefault(pending.consumer_account, []).append(pending)

    notified = {
        account: _publish(sns, topic_arn, account, invitations, now=now, stale_after=stale_after)
        for account, invitations in sorted(due.items())
    }
    return {
        "checked_shares": len(shares),
        "stale": [pending.to_dict(now) for pending in stale],
        "notified": notified,
        "at": now.isoformat(),
    }


def notice(
    account: str, invitations: Iterable[PendingInvitation], *, now: datetime, stale_after: timedelta
) -> dict[str, Any]:
    """The JSON body a consumer (and the central administrator) receives."""
    listed = [pending.to_dict(now) for pending in invitations]
    return {
        "status": INVITATION_PENDING,
        "consumer_account": account,
        "stale_after_hours": _hours(stale_after),
        "invitations": listed,
        "at": now.isoformat(),
        "to_accept": (
            f"In account {account}, accept the invitation in the AWS RAM console (Shared with me, Resource "
            "shares) or with `aws ram accept-resource-share-invitation`; lakegate's consumer stack does "
            "it automatically."
        ),
        "if_expired": (
            "AWS RAM cannot re-send an invitation. The central account's administrator invites again by "
            "removing and re-adding the consumer: `aws ram disassociate-resource-share "
            "--resource-share-arn SHARE --principals PRINCIPAL`, wait until it is DISASSOCIATED, then "
            "`aws ram associate-resource-share --resource-share-arn SHARE --principals PRINCIPAL`."
        ),
    }


def _publish(
    sns: SNSClient,
    topic_arn: str,
    account: str,
    invitations: list[PendingInvitation],
    *,
    now: datetime,
    stale_after: timedelta,
) -> str:
    body = notice(account, invitations, now=now, stale_after=stale_after)
    count = len(invitations)
    subject = f"lakegate: {count} RAM invitation{'s' if count != 1 else ''} pending for {account}"
    attributes: dict[str, MessageAttributeValueTypeDef] = {
        "status": {"DataType": "String", "StringValue": INVITATION_PENDING},
        "consumer_account": {"DataType": "String", "StringValue": account},
    }
    try:
        response = sns.publish(
            TopicArn=topic_arn,
            Subject=subject[:SUBJECT_LIMIT],
            Message=json.dumps(body, indent=2, sort_keys=True),
            MessageAttributes=attributes,
        )
    except ClientError as error:
        raise_if_transient(error, f"notifying consumer {account} of pending invitations")
        raise
    return response["MessageId"]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _hours(duration: timedelta) -> float | int:
    hours = duration / timedelta(hours=1)
    return int(hours) if hours.is_integer() else hours
