"""The CDK context every infrastructure test synthesizes with, and what the shared synth yields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.central import CentralStack
from stacks.consumer import ConsumerStack
from stacks.producer import ProducerStack

CENTRAL_ACCOUNT = "111111111111"
PRODUCER_ACCOUNT = "222222222222"
DATAZONE_DOMAIN = "dzd_test1234"
PROJECT_TOPIC_ARN = f"arn:aws:sns:eu-west-1:{PRODUCER_ACCOUNT}:analytics-subscriptions"
DATAZONE_RULES = {
    "rules": [
        {"name": "analytics", "decision": "approve", "subscriber_projects": ["prj_analytics"]},
        {"name": "no-pii-outside", "decision": "reject", "subscriber_projects": ["prj_external"]},
    ],
    "notification_topics": {"prj_analytics": PROJECT_TOPIC_ARN},
}
BUCKET_ACCOUNTS = {"sales-data": PRODUCER_ACCOUNT}
TEST_CONTEXT = {
    "central_account_id": CENTRAL_ACCOUNT,
    "producer_account_ids": [PRODUCER_ACCOUNT],
    "approver_emails": ["owner@example.com"],
    "user_role_prefix": "lakegate-user-",
    # Both parts of the SageMaker Catalog (DataZone) bridge, so every shared test covers them.
    "datazone_domain_id": DATAZONE_DOMAIN,
    "datazone_auto_approval": True,
    "datazone_rules": DATAZONE_RULES,
    "datazone_s3_fulfilment": True,
    "datazone_bucket_accounts": BUCKET_ACCOUNTS,
}


@dataclass(frozen=True)
class SynthesizedApp:
    """The app synthesized once per session with ``TEST_CONTEXT``, its stacks and their templates."""

    app: App
    central: CentralStack
    producer: ProducerStack
    central_template: Template
    producer_template: Template
    assembly_dir: Path
    consumer: ConsumerStack
    consumer_template: Template
