"""An SNS topic on moto with a queue subscribed, so a test reads back exactly what was published."""

from __future__ import annotations

import json
from typing import Any

import boto3

from lakegate_offline.mesh import REGION


def captured_topic(name: str) -> dict[str, str]:
    """A new topic ``name`` and a queue receiving everything published to it."""
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic_arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"{name}-everything")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return {"topic_arn": topic_arn, "queue_url": queue_url}


def published(topic: dict[str, str]) -> list[dict[str, Any]]:
    """The SNS envelopes (Subject, Message, MessageAttributes) published to ``topic`` so far."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=topic["queue_url"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]
