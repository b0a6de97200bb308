"""What each state machine's definition calls, against what its role allows.

Read from the templates alone: the ASL each state machine runs (its asset in the cloud assembly), its
``DefinitionSubstitutions`` (placeholder -> the function's ARN), and its role's statements. A role must allow
``lambda:InvokeFunction`` on exactly the functions the definition names (versions and aliases of them
included), and ``states:StartExecution`` exactly where the definition starts another state machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tests.iam.policy import action_matches
from tests.iam.templates import Resource, Templates, as_list, referenced_id

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")
_LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_START_EXECUTION = "arn:aws:states:::states:startExecution"


@dataclass(frozen=True)
class Calls:
    """The logical ids of what a definition invokes and starts (``?expr`` for anything else)."""

    functions: frozenset[str]
    state_machines: frozenset[str]
    waits_for_task_token: bool


def definition_calls(state_machine: Resource, templates: Templates) -> Calls:
    definition = templates.definition(state_machine)
    substitutions = state_machine.properties.get("DefinitionSubstitutions", {})
    functions: set[str] = set()
    machines: set[str] = set()
    waits = False
    for state in _tasks(definition):
        resource = str(state.get("Resource", ""))
        parameters = state.get("Parameters") or state.get("Arguments") or {}
        waits = waits or resource.endswith(".waitForTaskToken")
        if resource.startswith(_LAMBDA_INVOKE):
            functions.add(_target(parameters.get("FunctionName"), substitutions))
        elif resource.startswith(_START_EXECUTION):
            machines.add(_target(parameters.get("StateMachineArn"), substitutions))
        elif resource.startswith("${") or ":lambda:" in resource:
            functions.add(_target(resource, substitutions))
    return Calls(frozenset(functions), frozenset(machines), waits)


def allowed_targets(role: Resource, templates: Templates, action: str) -> frozenset[str]:
    """The logical ids ``role`` allows ``action`` on (``GetAtt X.Arn``, ``Ref X``, aliases ``X.Arn:*``)."""
    found: set[str] = set()
    for statement in templates.identity_statements(role):
        if statement.body.get("Effect") != "Allow":
            continue
        if not any(
            action_matches(str(pattern), action) for pattern in as_list(statement.body.get("Action", []))
        ):
            continue
        for resource in as_list(statement.body.get("Resource", "*")):
            found.add(_resource_id(resource))
    return frozenset(found)


def mismatches(templates: Templates) -> Iterator[str]:
    """One message per state machine whose role allows more or less than its definition calls."""
    for state_machine in templates.resources("AWS::StepFunctions::StateMachine"):
        role = templates.role_of(state_machine)
        if role is None:
            yield f"{state_machine.describe()}: no role found"
            continue
        calls = definition_calls(state_machine, templates)
        for action, named in (
            ("lambda:InvokeFunction", calls.functions),
            ("states:StartExecution", calls.state_machines),
        ):
            allowed = allowed_targets(role, templates, action)
            if allowed != named:
                yield (
                    f"{state_machine.describe()}: its role {role.logical_id} allows {action} on "
                    f"{sorted(allowed) or 'nothing'}, its definition calls {sorted(named) or 'nothing'}"
                )


def _tasks(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every Task state, in Parallel branches and Map item processors too."""
    for state in node.get("States", {}).values():
        if state.get("Type") == "Task":
            yield state
        for branch in state.get("Branches", []):
            yield from _tasks(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from _tasks(state[key])


def _target(value: Any, substitutions: Mapping[str, Any]) -> str:
    text = str(value)
    match = _PLACEHOLDER.fullmatch(text)
    if match and match.group(1) in substitutions:
        return _resource_id(substitutions[match.group(1)])
    return f"?{text}"


def _resource_id(expression: Any) -> str:
    """``X`` for ``GetAtt X.Arn``, ``Ref X`` or ``Join [GetAtt X.Arn, ":*"]``; ``?expr`` otherwise."""
    logical_id = referenced_id(expression)
    if logical_id is not None:
        return logical_id
    if isinstance(expression, Mapping) and "Fn::Join" in expression:
        separator, parts = expression["Fn::Join"]
        if separator == "" and len(parts) == 2 and parts[1] == ":*":
            inner = referenced_id(parts[0])
            if inner is not None:
                return inner
    return f"?{expression}"
