"""Reading synthesized CloudFormation: rendering ARNs, walking IAM policies, finding lakegate's resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aws_cdk.assertions import Match, Template

from lakegate.core import manifest
from stacks.functions import function_construct_id
from tests.infra.synth import SynthesizedStack

# Construct paths (below their stack) of the central stack's resources many tests look up.
KEY = "Key"
TABLE = "Ledger/Table"
TOPIC = "Notifications/Topic"
HTTP_API = "DecisionApi/HttpApi"
EVENT_BUS = "StatusEvents/Bus"
STATE_MACHINE = "Workflow/StateMachine"
EXPIRY_STATE_MACHINE = "ExpiryWorkflow/StateMachine"
REMINDER_STATE_MACHINE = "ReminderWorkflow/StateMachine"
SETTINGS = "Settings/Parameter"
AUDIT_ROLE = "Audit/Role"
# Where AWS publishes the ARNs of the Powertools layers for python3.12 on x86_64, one parameter per release
# (tests/infra/test_powertools_layer.py checks which release).
POWERTOOLS_PARAMETERS = "/aws/service/powertools/python/x86_64/python3.12/"


def state_machine_role(state_machine: str) -> str:
    """The construct path of the role of the state machine at ``state_machine``."""
    return f"{state_machine}/Role"


def function_path(key: str) -> str:
    """The construct path of the workflow function of the ``manifest.FUNCTIONS`` spec ``key``."""
    return f"Functions/{function_construct_id(key)}"


def function_id(stack: SynthesizedStack, key: str) -> str:
    """The logical id of the workflow function of the spec ``key``."""
    return stack.id(function_path(key))


def role_path(key: str) -> str:
    """The construct path of the role of the workflow function of the spec ``key``."""
    return f"{function_path(key)}Role"


def role_id(stack: SynthesizedStack, key: str) -> str:
    """The logical id of the role of the workflow function of the spec ``key``."""
    return stack.id(role_path(key))


def function_keys(stack: SynthesizedStack) -> set[str]:
    """The keys of the ``manifest.FUNCTIONS`` specs whose function the stack builds."""
    return {key for key in manifest.FUNCTIONS_BY_KEY if stack.has(function_path(key))}


def construct_paths(stack: SynthesizedStack) -> list[str]:
    """The construct path (below the stack, as ``SynthesizedStack.id`` takes it) of every resource."""
    return [
        resource["Metadata"]["aws:cdk:path"].removeprefix(f"{stack.name}/")
        for resource in stack.resources.values()
    ]


def pseudo_parameters(stack: SynthesizedStack) -> dict[str, str]:
    """What CloudFormation fills the pseudo parameters with when ``stack`` is deployed to its variant's env.

    An environment-agnostic variant (no account) leaves ``AWS::AccountId`` to render as ``<AWS::AccountId>``.
    """
    values = {"AWS::Partition": "aws", "AWS::Region": stack.variant.region, "AWS::StackName": stack.name}
    if stack.variant.account is not None:
        values["AWS::AccountId"] = stack.variant.account
    return values


def render(value: Any, stack: SynthesizedStack) -> str:
    """A template value of ``stack`` as text: joins flattened, pseudo parameters filled, ``<Id>`` else.

    ``Ref`` of a resource renders as ``<Id>``, ``Fn::GetAtt`` as ``<Id.Attr>``. Pseudo parameters take the
    values of the stack's variant, so an ARN the stack built from its env (literal region and account) and
    one built from pseudo parameters render alike.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(render(part, stack) for part in parts)
        if function == "Ref":
            return pseudo_parameters(stack).get(argument, f"<{argument}>")
        if function == "Fn::GetAtt":
            return f"<{'.'.join(argument)}>"
    raise ValueError(f"cannot render {value!r}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resources_of_type(stack: SynthesizedStack, resource_type: str) -> dict[str, Any]:
    """The stack's resources of ``resource_type``, by logical id."""
    return {
        logical_id: resource
        for logical_id, resource in stack.resources.items()
        if resource["Type"] == resource_type
    }


def statements(stack: SynthesizedStack) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """Every identity-policy statement in the stack, with the logical ids of the roles it applies to."""
    for policy in resources_of_type(stack, "AWS::IAM::Policy").values():
        roles = [role["Ref"] for role in policy["Properties"].get("Roles", [])]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield roles, statement
    for logical_id, role in resources_of_type(stack, "AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            for statement in inline["PolicyDocument"]["Statement"]:
                yield [logical_id], statement


def statements_of(stack: SynthesizedStack, role_id: str) -> list[dict[str, Any]]:
    return [statement for roles, statement in statements(stack) if role_id in roles]


def actions_of(stack: SynthesizedStack, role_id: str) -> set[str]:
    return {action for statement in statements_of(stack, role_id) for action in as_list(statement["Action"])}


def resources_for(stack: SynthesizedStack, role_id: str, action: str) -> set[str]:
    """Every resource (rendered) on which ``role_id`` is allowed ``action``."""
    return {
        render(resource, stack)
        for statement in statements_of(stack, role_id)
        if action in as_list(statement["Action"]) and statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"])
    }


def assert_topic_requires_tls(template: Template, topic_id: str) -> None:
    """The topic's policy denies every request not made over TLS."""
    deny_plain_http = {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": topic_id}],
            "PolicyDocument": {"Statement": Match.array_with([Match.object_like(deny_plain_http)])},
        },
    )
