"""Which pending RAM invitations the central report calls stale, and when it notifies about them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lakegate.sharing.stale_invitations import (
    PendingInvitation,
    consumer_account,
    due_for_notice,
    notice,
    scheduled_time,
    stale_invitations,
)

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)
CONSUMER = "444455556666"


def association(age: timedelta, *, status: str = "ASSOCIATING", entity: str = CONSUMER) -> dict[str, Any]:
    return {
        "resourceShareArn": "arn:aws:ram:us-east-1:111111111111:resource-share/s1",
        "resourceShareName": "LakeFormation-V4-ABCDEFGHIJ",
        "associatedEntity": entity,
        "associationType": "PRINCIPAL",
        "status": status,
        "creationTime": NOW - age - DAY,  # created earlier, invited again when it last changed
        "lastUpdatedTime": NOW - age,
        "external": True,
    }


def pending(age: timedelta) -> PendingInvitation:
    (found,) = stale_invitations([association(age)], now=NOW, stale_after=timedelta(0))
    return found


def test_a_pending_invitation_older_than_the_threshold_is_stale_and_a_fresh_one_is_not() -> None:
    stale = stale_invitations([association(25 * HOUR), association(23 * HOUR)], now=NOW, stale_after=DAY)

    assert [invitation.age(NOW) for invitation in stale] == [25 * HOUR]
    assert stale[0].consumer_account == CONSUMER


def test_only_pending_associations_with_a_consumer_account_count() -> None:
    old = 30 * DAY
    associations = [
        association(old, status="ASSOCIATED"),
        association(old, status="DISASSOCIATED"),
        association(old, entity="arn:aws:organizations::111111111111:ou/o-abc/ou-def"),
        association(old, entity=f"arn:aws:iam::{CONSUMER}:role/Analyst"),
    ]

    (stale,) = stale_invitations(associations, now=NOW, stale_after=DAY)

    assert stale.principal == f"arn:aws:iam::{CONSUMER}:role/Analyst"
    assert stale.consumer_account == CONSUMER


def test_consumer_accounts_come_from_account_ids_and_iam_arns_only() -> None:
    assert consumer_account(CONSUMER) == CONSUMER
    assert consumer_account(f"arn:aws:iam::{CONSUMER}:user/bob") == CONSUMER
    assert consumer_account("o-abc123") is None
    assert consumer_account("12345") is None


@pytest.mark.parametrize(
    ("age", "due"),
    [
        (DAY - timedelta(minutes=1), False),  # not stale yet
        (DAY, True),  # the run after it turned stale
        (DAY + timedelta(minutes=59), True),
        (DAY + HOUR, False),  # announced already, an hour ago
        (2 * DAY - HOUR, False),
        (2 * DAY + timedelta(minutes=30), True),  # the daily reminder
    ],
)
def test_a_stale_invitation_is_announced_once_then_daily(age: timedelta, due: bool) -> None:
    assert due_for_notice(pending(age), now=NOW, stale_after=DAY, period=HOUR) is due


def test_the_scheduled_events_time_is_the_runs_now() -> None:
    assert scheduled_time({"time": "2026-05-04T12:00:00Z", "detail-type": "Scheduled Event"}) == NOW
    assert scheduled_time({}) is None
    assert scheduled_time({"time": "soon"}) is None


def test_the_notice_names_the_invitations_and_the_manual_way_to_invite_again() -> None:
    body = notice(CONSUMER, [pending(30 * HOUR)], now=NOW, stale_after=DAY)

    assert body["status"] == "INVITATION_PENDING"
    assert body["consumer_account"] == CONSUMER
    assert body["stale_after_hours"] == 24
    assert body["invitations"][0]["pending_hours"] == 30
    assert "disassociate-resource-share" in body["if_expired"]
    assert "associate-resource-share" in body["if_expired"]
