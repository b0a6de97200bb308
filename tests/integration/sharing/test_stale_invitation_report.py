"""The central stale-invitation report: RAM through botocore's Stubber, the consumer topic on moto."""

from __future__ import annotations

import inspect
import json
import logging
from datetime import timedelta
from typing import Any

import boto3
import pytest

from lakegate.sharing import stale_invitations as report_module
from lakegate.sharing.stale_invitations import report_stale_invitations
from lakegate_offline.in_process_lambda import LambdaContext, load_handler
from lakegate_offline.mesh import REGION
from tests.support.ram_stubs import (
    CENTRAL,
    CONSUMER,
    SENT,
    StubbedRam,
    captured_logs,
    principal_association,
    resource_share,
    share_arn,
)
from tests.support.topic_capture import captured_topic, published

pytestmark = pytest.mark.integration

LATE_CONSUMER = CONSUMER
PROMPT_CONSUMER = "777788889999"
HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
# The report runs one hour after the late consumer's invitation turned stale ...
RUN_AT = SENT + DAY + timedelta(minutes=20)


@pytest.fixture
def topic(aws: None) -> dict[str, str]:
    """The consumer-notification topic, with a queue receiving everything published to it."""
    return captured_topic("lakegate-consumers")


def queue_one_hub_share(ram: StubbedRam) -> None:
    """A Lake Formation share with one invitation pending 24h20m and one pending 2h; an unrelated share."""
    ram.shares([resource_share(CENTRAL, "s1"), resource_share(CENTRAL, "subnets", name="shared-subnets")])
    ram.principals(
        share_arn(CENTRAL, "s1"),
        [
            principal_association(CENTRAL, "s1", LATE_CONSUMER, since=SENT),
            principal_association(CENTRAL, "s1", PROMPT_CONSUMER, since=RUN_AT - 2 * HOUR),
        ],
    )


def report(ram: StubbedRam, topic: dict[str, str], event: dict[str, Any]) -> dict[str, Any]:
    return report_stale_invitations(
        event,
        ram=ram.client,
        sns=boto3.client("sns", region_name=REGION),
        topic_arn=topic["topic_arn"],
        stale_after=DAY,
        period=HOUR,
    )


def test_an_invitation_pending_past_the_threshold_is_published_and_a_fresh_one_is_not(
    topic: dict[str, str],
) -> None:
    with StubbedRam() as ram:
        queue_one_hub_share(ram)  # nothing queued for the non-Lake Formation share's principals

        with captured_logs(report_module.logger) as logs:
            result = report(ram, topic, {"time": RUN_AT.isoformat()})

        ram.stubber.assert_no_pending_responses()

    (message,) = published(topic)
    assert message["MessageAttributes"] == {
        "status": {"Type": "String", "Value": "INVITATION_PENDING"},
        "consumer_account": {"Type": "String", "Value": LATE_CONSUMER},
    }
    assert message["Subject"] == f"lakegate: 1 RAM invitation pending for {LATE_CONSUMER}"
    body = json.loads(message["Message"])
    assert body["consumer_account"] == LATE_CONSUMER
    assert [(item["resource_share_arn"], item["pending_hours"]) for item in body["invitations"]] == [
        (share_arn(CENTRAL, "s1"), 24.3)
    ]
    assert list(result["notified"]) == [LATE_CONSUMER]
    assert result["checked_shares"] == 1
    (warning,) = [record for record in logs if record.levelno == logging.WARNING]
    assert warning.__dict__["consumer_account"] == LATE_CONSUMER
    assert warning.__dict__["notify"] is True


def test_the_next_hourly_run_still_logs_it_but_does_not_publish_again(topic: dict[str, str]) -> None:
    with StubbedRam() as ram:
        queue_one_hub_share(ram)

        with captured_logs(report_module.logger) as logs:
            result = report(ram, topic, {"time": (RUN_AT + HOUR).isoformat()})

    assert published(topic) == []
    assert result["notified"] == {}
    assert [record.__dict__["notify"] for record in logs if record.levelno == logging.WARNING] == [False]


def test_the_handler_reads_its_settings_and_uses_the_scheduled_time(
    topic: dict[str, str], lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = load_handler(
        "lakegate.handlers.report_stale_invitations.handler",
        {
            "NOTIFICATION_TOPIC_ARN": topic["topic_arn"],
            "STALE_INVITATION_HOURS": "24",
            "REPORT_PERIOD_MINUTES": "60",
        },
    )
    scheduled_event = {
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": CENTRAL,
        "time": RUN_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{CENTRAL}:rule/lakegate-report"],
        "detail": {},
    }
    with StubbedRam() as ram:
        monkeypatch.setitem(inspect.unwrap(handler).__globals__, "RAM", ram.client)
        queue_one_hub_share(ram)

        result = handler(scheduled_event, lambda_context)

    assert list(result["notified"]) == [LATE_CONSUMER]
    assert [message["MessageAttributes"]["consumer_account"]["Value"] for message in published(topic)] == [
        LATE_CONSUMER
    ]
