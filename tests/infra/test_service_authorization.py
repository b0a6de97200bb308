"""Every Allow statement of every template against the Service Authorization Reference facts lakegate keeps.

``stacks/service_authorization.json`` holds, per IAM action, the resource types the reference lists and its
condition keys. IAM matches an action without resource types only on ``"*"``, so scoping such an action to
an ARN silently allows nothing; and an action with resource types granted on ``"*"`` without a condition is
wider than it has to be. Both are checked here for identity policies. In a resource-based policy (a key
policy, a topic policy, a Lambda permission, a trust policy) ``"*"`` means the resource the policy is
attached to, so only the actions are checked there.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

import stacks
from stacks.app_factory import CENTRAL_STACK, CONSUMER_STACK, PRODUCER_STACK

pytestmark = pytest.mark.infra

FACTS_FILE = Path(stacks.__file__).parent / "service_authorization.json"
TEMPLATES = {
    CENTRAL_STACK: "central_template",
    PRODUCER_STACK: "producer_template",
    CONSUMER_STACK: "consumer_template",
}

# Actions with resource types that lakegate allows on "*" without a condition, and why. Keep it tiny.
UNCONDITIONED_WILDCARDS = {
    "organizations:DescribeAccount": (
        "Lake Formation's cross-account grants and revokes describe the grantee account; the account ARN "
        "embeds the organization's management account and organization ids, which lakegate is not told."
    ),
}
# Actions without resource types in the reference that lakegate still scopes to an ARN, and why.
SCOPED_WITHOUT_RESOURCE_TYPES = {
    action: (
        "Granted on the state machine. Step Functions authorizes task responses "
        "against the state machine the task token belongs to (its AccessDenied names that ARN), so the "
        'scoped grant works and is narrower than the reference\'s "*".'
    )
    for action in ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat")
}


@dataclass(frozen=True)
class Allowed:
    """One Allow statement: where it is, whether it is an identity policy, and what it says."""

    stack: str
    where: str  # "policy <id> of roles <ids>", "role <id> inline policy <name>", ...
    identity: bool
    statement: dict[str, Any]

    @property
    def actions(self) -> list[str]:
        assert "NotAction" not in self.statement, f"{self.stack}: {self.where} uses NotAction"
        return [str(action) for action in as_list(self.statement["Action"])]

    @property
    def resources(self) -> list[str]:
        assert "NotResource" not in self.statement, f"{self.stack}: {self.where} uses NotResource"
        return [_text(resource) for resource in as_list(self.statement.get("Resource", "*"))]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A template value as text for messages: joins flattened, ``<Id>`` for a Ref, ``<Id.Attr>`` a GetAtt."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(_text(part) for part in parts)
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{'.'.join(argument)}>"
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def allow_statements(stack: str, template: Template) -> Iterator[Allowed]:
    """Every Allow statement of the template's identity and resource-based policies."""
    resources: dict[str, Any] = template.to_json()["Resources"]
    for logical_id, resource in resources.items():
        kind, properties = resource["Type"], resource.get("Properties", {})
        documents: list[tuple[str, bool, dict[str, Any]]] = []
        if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            roles = ", ".join(_text(role) for role in properties.get("Roles", [])) or "none"
            documents.append((f"policy {logical_id} (roles {roles})", True, properties["PolicyDocument"]))
        elif kind == "AWS::IAM::Role":
            for inline in properties.get("Policies", []):
                where = f"role {logical_id} inline policy {inline['PolicyName']}"
                documents.append((where, True, inline["PolicyDocument"]))
            documents.append(
                (f"trust policy of role {logical_id}", False, properties["AssumeRolePolicyDocument"])
            )
        elif kind == "AWS::KMS::Key":
            documents.append((f"key policy of {logical_id}", False, properties["KeyPolicy"]))
        elif kind in ("AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy"):
            documents.append((f"resource policy {logical_id}", False, properties["PolicyDocument"]))
        elif kind == "AWS::Lambda::Permission":
            statement = {"Effect": "Allow", "Action": properties["Action"], "Resource": "*"}
            documents.append((f"Lambda permission {logical_id}", False, {"Statement": [statement]}))
        for where, identity, document in documents:
            for statement in as_list(document["Statement"]):
                if statement["Effect"] == "Allow":
                    yield Allowed(stack, where, identity, statement)


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FACTS_FILE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def allowed(request: pytest.FixtureRequest) -> list[Allowed]:
    return [
        statement
        for stack, fixture in TEMPLATES.items()
        for statement in allow_statements(stack, request.getfixturevalue(fixture))
    ]


def matching(action: str, known: dict[str, Any]) -> list[str]:
    """The known actions ``action`` stands for (IAM matches action names case-insensitively)."""
    return [name for name in known if fnmatch.fnmatchcase(name.lower(), action.lower())]


def test_the_facts_file_has_its_schema(facts: dict[str, Any]) -> None:
    assert list(facts) == ["source", "actions", "api_operations"]
    assert "service-authorization" in facts["source"]
    for action, entry in facts["actions"].items():
        service, _, name = action.partition(":")
        assert service and name and "*" not in action, action
        assert list(entry) == ["resource_types", "condition_keys"], action
        assert all(isinstance(arn, str) and arn.startswith("arn:") for arn in entry["resource_types"]), action
        assert all(isinstance(key, str) and ":" in key for key in entry["condition_keys"]), action
    for operation, required in facts["api_operations"].items():
        assert ":" in operation and isinstance(required, list), operation
        assert set(required) <= set(facts["actions"]), operation


def test_the_exceptions_name_actions_the_facts_describe_as_they_claim(facts: dict[str, Any]) -> None:
    for action in UNCONDITIONED_WILDCARDS:
        assert facts["actions"][action]["resource_types"], action
    for action in SCOPED_WITHOUT_RESOURCE_TYPES:
        assert facts["actions"][action]["resource_types"] == [], action


def test_every_allowed_action_is_known_to_the_facts_file(
    allowed: list[Allowed], facts: dict[str, Any]
) -> None:
    unknown = [
        f"{statement.stack}: {statement.where} allows {action} on {', '.join(statement.resources)}"
        for statement in allowed
        for action in statement.actions
        if not matching(action, facts["actions"])
    ]
    assert not unknown, "actions missing from stacks/service_authorization.json:\n" + "\n".join(unknown)


def test_actions_without_resource_types_are_allowed_only_on_every_resource(
    allowed: list[Allowed], facts: dict[str, Any]
) -> None:
    never_matched = [
        f"{statement.stack}: {statement.where} allows {name} on {resource}, but {name} has no resource "
        'types: IAM matches it only on "*"'
        for statement in allowed
        if statement.identity
        for action in statement.actions
        for name in matching(action, facts["actions"])
        if not facts["actions"][name]["resource_types"] and name not in SCOPED_WITHOUT_RESOURCE_TYPES
        for resource in statement.resources
        if resource != "*"
    ]
    assert not never_matched, "\n".join(never_matched)


def test_actions_with_resource_types_are_never_allowed_on_every_resource_without_a_condition(
    allowed: list[Allowed], facts: dict[str, Any]
) -> None:
    too_wide = [
        f'{statement.stack}: {statement.where} allows {name} on "*" without a condition, but {name} '
        f"supports {', '.join(facts['actions'][name]['resource_types'])}"
        for statement in allowed
        if statement.identity and "*" in statement.resources and "Condition" not in statement.statement
        for action in statement.actions
        for name in matching(action, facts["actions"])
        if facts["actions"][name]["resource_types"] and name not in UNCONDITIONED_WILDCARDS
    ]
    assert not too_wide, "\n".join(too_wide)
