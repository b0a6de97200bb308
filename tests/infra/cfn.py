"""Reading synthesized CloudFormation: rendering ARNs and walking IAM policies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aws_cdk import CfnElement, Stack
from aws_cdk.assertions import Match, Template
from constructs import IConstruct

PSEUDO_PARAMETERS = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "999999999999"}


def render(value: Any) -> str:
    """A template value as text: joins flattened, pseudo parameters filled, ``<Id>``/``<Id.Attr>`` else."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(render(part) for part in parts)
        if function == "Ref":
            return PSEUDO_PARAMETERS.get(argument, f"<{argument}>")
        if function == "Fn::GetAtt":
            return f"<{'.'.join(argument)}>"
    raise ValueError(f"cannot render {value!r}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def logical_id(construct: IConstruct) -> str:
    """The logical id of a construct's CloudFormation resource (a construct or a CfnElement)."""
    element = construct if isinstance(construct, CfnElement) else construct.node.default_child
    assert isinstance(element, CfnElement), f"{construct.node.path} has no CloudFormation resource"
    return Stack.of(element).get_logical_id(element)


def statements(template: Template) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """Every identity-policy statement in the template, with the logical ids of the roles it applies to."""
    for policy in template.find_resources("AWS::IAM::Policy").values():
        roles = [role["Ref"] for role in policy["Properties"].get("Roles", [])]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield roles, statement
    for role_id, role in template.find_resources("AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            for statement in inline["PolicyDocument"]["Statement"]:
                yield [role_id], statement


def statements_of(template: Template, role_id: str) -> list[dict[str, Any]]:
    return [statement for roles, statement in statements(template) if role_id in roles]


def actions_of(template: Template, role_id: str) -> set[str]:
    return {
        action for statement in statements_of(template, role_id) for action in as_list(statement["Action"])
    }


def resources_for(template: Template, role_id: str, action: str) -> set[str]:
    """Every resource (rendered) on which ``role_id`` is allowed ``action``."""
    return {
        render(resource)
        for statement in statements_of(template, role_id)
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
