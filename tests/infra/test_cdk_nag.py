"""cdk-nag runs on every synth of the app: an unacknowledged finding fails the synth."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sns as sns

from stacks.app_factory import CENTRAL_STACK, PRODUCER_STACK, build_app
from stacks.config import ConfigError
from tests.infra.app_context import MINIMAL_PRODUCER_ACCOUNT
from tests.infra.cfn import resources_for, role_id, role_path
from tests.infra.synth import SynthesizedStack

pytestmark = pytest.mark.infra


@dataclass(frozen=True)
class FailedSynth:
    app: App
    error: Exception
    violations: dict[str, set[str]]  # rule -> construct paths
    stderr: str


@pytest.fixture(scope="module")
def default_app_with_an_unchecked_topic(tmp_path_factory: pytest.TempPathFactory) -> FailedSynth:
    """The app with only its one required key (no producer stack), plus a topic nobody acknowledged."""
    outdir = tmp_path_factory.mktemp("nag.out")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        app = build_app({"producer_account_ids": ["222222222222"]}, outdir=str(outdir))
    sns.Topic(Stack(app, "Unchecked"), "PlainTopic")
    with pytest.raises(RuntimeError, match="ValidationFailed") as raised:
        app.synth()
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    violations: dict[str, set[str]] = {}
    for plugin in report["pluginReports"]:
        for violation in plugin["violations"]:
            paths = {construct["constructPath"] for construct in violation["violatingConstructs"]}
            violations.setdefault(violation["ruleName"], set()).update(paths)
    return FailedSynth(app, raised.value, violations, stderr.getvalue())


def test_an_unacknowledged_finding_fails_the_synth(default_app_with_an_unchecked_topic: FailedSynth) -> None:
    assert default_app_with_an_unchecked_topic.violations == {
        "AwsSolutions-SNS3": {"Unchecked/PlainTopic/Resource"}
    }


def test_without_central_account_only_the_central_stack_is_built(
    default_app_with_an_unchecked_topic: FailedSynth,
) -> None:
    stacks = {
        child.node.id
        for child in default_app_with_an_unchecked_topic.app.node.children
        if Stack.is_stack(child)
    }

    assert stacks == {CENTRAL_STACK, "Unchecked"}
    assert PRODUCER_STACK in default_app_with_an_unchecked_topic.stderr
    assert "central_account_id" in default_app_with_an_unchecked_topic.stderr


def test_without_producer_accounts_the_app_refuses_to_synthesize() -> None:
    with pytest.raises(ConfigError, match="'producer_account_ids': is required") as raised:
        build_app({})

    assert raised.value.key == "producer_account_ids"


def test_the_publisher_may_assume_the_producer_role_only_in_the_producer_accounts(
    minimal_central: SynthesizedStack,
) -> None:
    publisher = role_id(minimal_central, "request_approval")

    assert (
        minimal_central.properties(role_path("request_approval"))["RoleName"] == "LakegateApprovalPublisher"
    )
    assert resources_for(minimal_central, publisher, "sts:AssumeRole") == {
        f"arn:aws:iam::{MINIMAL_PRODUCER_ACCOUNT}:role/ProducerWorkflowRole"
    }
