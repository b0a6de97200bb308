"""The ASL file, the list of placeholders and the stack agree (asl-validator cannot see placeholder names)."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_logs as logs

from lakegate.core import manifest
from stacks.functions import WorkflowFunctions
from tests.infra.cfn import function_keys, resources_of_type
from tests.infra.synth import SynthesizedStack

pytestmark = pytest.mark.infra


def test_every_placeholder_names_a_function_the_stack_builds(central: SynthesizedStack) -> None:
    built = function_keys(central)
    workflow_functions = {
        logical_id
        for logical_id, function in resources_of_type(central, "AWS::Lambda::Function").items()
        if function["Metadata"]["aws:cdk:path"].startswith(f"{central.name}/Functions/")
    }

    assert set(manifest.PLACEHOLDERS.values()) <= built
    assert built == set(manifest.FUNCTIONS_BY_KEY)
    # One function per spec, and none besides.
    assert len(workflow_functions) == len(built)


def test_without_the_portal_the_workflow_still_has_every_function_it_invokes(
    minimal_central: SynthesizedStack,
) -> None:
    for definition in manifest.DEFINITIONS:
        assert set(definition.placeholders.values()) <= function_keys(minimal_central)


def test_decision_function_is_not_called_by_the_state_machine() -> None:
    # It answers the waiting task through the task token instead; the state machine must not invoke it.
    assert "decision_api" not in manifest.PLACEHOLDERS.values()


def test_a_spec_naming_an_environment_variable_the_stack_cannot_fill_fails_the_build() -> None:
    stack = Stack(App(), "Probe")

    with pytest.raises(ValueError, match=r"'evaluate_request' needs .*LEDGER_TABLE_NAME"):
        WorkflowFunctions(stack, "Functions", environment={}, log_retention=logs.RetentionDays.ONE_DAY)


def test_every_definitions_placeholders_name_functions_the_stack_builds(central: SynthesizedStack) -> None:
    for definition in manifest.DEFINITIONS:
        assert set(definition.placeholders.values()) <= function_keys(central)


def test_a_deferred_environment_variable_left_unset_fails_the_build() -> None:
    stack = Stack(App(), "Probe")
    environment = {
        name: "x"
        for spec in manifest.FUNCTIONS
        for name in spec.environment
        if name not in (manifest.EXPIRY_STATE_MACHINE_ARN, manifest.REVOKE_FUNCTION_NAME)
    }
    functions = WorkflowFunctions(
        stack,
        "Functions",
        environment=environment,
        deferred_environment=(manifest.EXPIRY_STATE_MACHINE_ARN, manifest.REVOKE_FUNCTION_NAME),
        log_retention=logs.RetentionDays.ONE_DAY,
    )
    functions.set_deferred(manifest.REVOKE_FUNCTION_NAME, "revoke")

    with pytest.raises(ValueError, match=r"never set: grant_access: EXPIRY_STATE_MACHINE_ARN"):
        functions.check_deferred()
