"""Each state machine's role allows exactly what its definition calls (read from the templates alone)."""

from __future__ import annotations

import copy

from tests.iam.state_machines import allowed_targets, definition_calls, mismatches
from tests.iam.templates import Templates


def test_every_state_machine_role_invokes_exactly_the_functions_its_definition_names(
    templates: Templates,
) -> None:
    assert list(mismatches(templates)) == []


def test_the_access_request_state_machine_calls_the_five_workflow_functions(templates: Templates) -> None:
    (machine,) = [
        m
        for m in templates.resources("AWS::StepFunctions::StateMachine")
        if len(m.properties.get("DefinitionSubstitutions", {})) == 5
    ]
    calls = definition_calls(machine, templates)
    role = templates.role_of(machine)
    assert role is not None
    assert len(calls.functions) == 5
    assert calls.waits_for_task_token
    assert calls.state_machines == frozenset()
    assert allowed_targets(role, templates, "lambda:InvokeFunction") == calls.functions


def test_a_role_that_may_invoke_one_function_more_is_reported(templates: Templates) -> None:
    documents = copy.deepcopy(dict(templates.documents))
    wider = Templates(documents, templates.assembly_dir)
    machine = next(
        m for m in wider.resources("AWS::StepFunctions::StateMachine") if "StateMachineName" in m.properties
    )
    role = wider.role_of(machine)
    assert role is not None
    invoke = next(
        s for s in wider.identity_statements(role) if s.body.get("Action") == "lambda:InvokeFunction"
    )
    extra = next(f for f in wider.resources("AWS::Lambda::Function") if f.logical_id not in str(invoke.body))
    invoke.body["Resource"].append({"Fn::GetAtt": [extra.logical_id, "Arn"]})  # type: ignore[index]

    (problem,) = mismatches(wider)
    assert machine.logical_id in problem
    assert extra.logical_id in problem
