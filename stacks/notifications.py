"""The consumer-notification topic: tells requesters how their request ended."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct


class ConsumerNotifications(Construct):
    """An SNS topic encrypted with lakegate's key that accepts only TLS publishers."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="lakegate access requests",
            master_key=key,
            enforce_ssl=True,
        )
