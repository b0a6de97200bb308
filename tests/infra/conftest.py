"""The deployment shapes synthesized once per test session through the CDK CLI, shared by every test.

Synthesis runs the cdk-nag checks, so the fixture itself fails when a finding is not acknowledged in
any variant. ``central`` and friends are the ``FULL`` variant's stacks (every optional part on),
``minimal_central`` and friends the ``MINIMAL`` variant's (every optional part off).
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from stacks.app_factory import CENTRAL_STACK, CONSUMER_STACK, PRODUCER_STACK
from tests.infra.app_context import FULL, MINIMAL, every_variant
from tests.infra.synth import Assembly, SynthesizedStack, session_assemblies


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assembly]:
    return session_assemblies(every_variant(), tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def full(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies[FULL.name]


@pytest.fixture(scope="session")
def minimal(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies[MINIMAL.name]


@pytest.fixture(scope="session")
def central(full: Assembly) -> SynthesizedStack:
    return full.stack(CENTRAL_STACK)


@pytest.fixture(scope="session")
def producer(full: Assembly) -> SynthesizedStack:
    return full.stack(PRODUCER_STACK)


@pytest.fixture(scope="session")
def consumer(full: Assembly) -> SynthesizedStack:
    return full.stack(CONSUMER_STACK)


@pytest.fixture(scope="session")
def central_template(central: SynthesizedStack) -> Template:
    return central.template


@pytest.fixture(scope="session")
def producer_template(producer: SynthesizedStack) -> Template:
    return producer.template


@pytest.fixture(scope="session")
def consumer_template(consumer: SynthesizedStack) -> Template:
    return consumer.template


@pytest.fixture(scope="session")
def minimal_central(minimal: Assembly) -> SynthesizedStack:
    return minimal.stack(CENTRAL_STACK)


@pytest.fixture(scope="session")
def minimal_producer(minimal: Assembly) -> SynthesizedStack:
    return minimal.stack(PRODUCER_STACK)


@pytest.fixture(scope="session")
def minimal_consumer(minimal: Assembly) -> SynthesizedStack:
    return minimal.stack(CONSUMER_STACK)
