"""The ASL file, the list of placeholders and the stack agree (asl-validator cannot see placeholder names)."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_logs as logs

import statemachine
from stacks.central import CentralStack
from stacks.functions import WorkflowFunctions

pytestmark = pytest.mark.infra


def test_every_placeholder_names_a_function_the_stack_builds(central: CentralStack) -> None:
    assert set(statemachine.PLACEHOLDERS.values()) <= set(central.functions)
    assert set(central.functions) == set(statemachine.FUNCTIONS_BY_KEY)


def test_decision_function_is_not_called_by_the_state_machine() -> None:
    # It answers the waiting task through the task token instead; the state machine must not invoke it.
    assert "decision_api" not in statemachine.PLACEHOLDERS.values()


def test_a_spec_naming_an_environment_variable_the_stack_cannot_fill_fails_the_build() -> None:
    stack = Stack(App(), "Probe")

    with pytest.raises(ValueError, match=r"'evaluate_request' needs .*LEDGER_TABLE_NAME"):
        WorkflowFunctions(stack, "Functions", environment={}, log_retention=logs.RetentionDays.ONE_DAY)


def test_every_definitions_placeholders_name_functions_the_stack_builds(central: CentralStack) -> None:
    for definition in statemachine.DEFINITIONS:
        assert set(definition.placeholders.values()) <= set(central.functions)


def test_a_deferred_environment_variable_left_unset_fails_the_build() -> None:
    stack = Stack(App(), "Probe")
    environment = {
        name: "x"
        for spec in statemachine.FUNCTIONS
        for name in spec.environment
        if name not in (statemachine.EXPIRY_STATE_MACHINE_ARN, statemachine.REVOKE_FUNCTION_NAME)
    }
    functions = WorkflowFunctions(
        stack,
        "Functions",
        environment=environment,
        deferred_environment=(statemachine.EXPIRY_STATE_MACHINE_ARN, statemachine.REVOKE_FUNCTION_NAME),
        log_retention=logs.RetentionDays.ONE_DAY,
    )
    functions.set_deferred(statemachine.REVOKE_FUNCTION_NAME, "revoke")

    with pytest.raises(ValueError, match=r"never set: grant_access: EXPIRY_STATE_MACHINE_ARN"):
        functions.check_deferred()
