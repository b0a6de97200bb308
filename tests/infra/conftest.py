"""One synthesized lakegate app per test session, shared by every infrastructure test.

Synthesis runs the cdk-nag checks, so the fixture itself fails when a finding is not acknowledged.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from stacks.app_factory import CENTRAL_STACK, CONSUMER_STACK, PRODUCER_STACK, build_app
from stacks.central import CentralStack
from stacks.consumer import ConsumerStack
from stacks.producer import ProducerStack
from tests.infra.app_context import TEST_CONTEXT, SynthesizedApp


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(TEST_CONTEXT, outdir=str(outdir))
    app.synth()
    central = app.node.find_child(CENTRAL_STACK)
    producer = app.node.find_child(PRODUCER_STACK)
    consumer = app.node.find_child(CONSUMER_STACK)
    assert isinstance(central, CentralStack)
    assert isinstance(producer, ProducerStack)
    assert isinstance(consumer, ConsumerStack)
    return SynthesizedApp(
        app=app,
        central=central,
        producer=producer,
        # Template.from_stack reuses the assembly synthesized above.
        central_template=Template.from_stack(central),
        producer_template=Template.from_stack(producer),
        assembly_dir=outdir,
        consumer=consumer,
        consumer_template=Template.from_stack(consumer),
    )


@pytest.fixture(scope="session")
def central(synthesized: SynthesizedApp) -> CentralStack:
    return synthesized.central


@pytest.fixture(scope="session")
def central_template(synthesized: SynthesizedApp) -> Template:
    return synthesized.central_template


@pytest.fixture(scope="session")
def producer_template(synthesized: SynthesizedApp) -> Template:
    return synthesized.producer_template


@pytest.fixture(scope="session")
def consumer(synthesized: SynthesizedApp) -> ConsumerStack:
    return synthesized.consumer


@pytest.fixture(scope="session")
def consumer_template(synthesized: SynthesizedApp) -> Template:
    return synthesized.consumer_template
