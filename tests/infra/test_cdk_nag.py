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
    """The app with an empty context (no producer stack), plus a stack holding a topic nobody acknowledged."""
    outdir = tmp_path_factory.mktemp("nag.out")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        app = build_app({}, outdir=str(outdir))
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


def test_without_producer_accounts_the_publisher_may_assume_the_producer_role_in_any_account(
    minimal_central: SynthesizedStack,
) -> None:
    # The MINIMAL variant lists no producer_account_ids; its synth (the session fixture) fails on any
    # unacknowledged cdk-nag finding, so the acknowledged wildcard passed cdk-nag.
    publisher = role_id(minimal_central, "request_approval")

    assert (
        minimal_central.properties(role_path("request_approval"))["RoleName"] == "LakegateApprovalPublisher"
    )
    assert resources_for(minimal_central, publisher, "sts:AssumeRole") == {
        "arn:aws:iam::*:role/ProducerWorkflowRole"
    }
