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
TEST_CONTEXT = {
    "central_account_id": CENTRAL_ACCOUNT,
    "producer_account_ids": [PRODUCER_ACCOUNT],
    "approver_emails": ["owner@example.com"],
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
