"""Template expressions rendered in the world of a test: the names and ARNs the test's resources really have.

A function's template environment maps each variable to an expression (``Ref Ledger``,
``GetAtt Bus.Arn``); the environment the test gave the same function maps it to the test's value
(``lakegate-ledger``). That *binds* the resource: its other attributes follow from its type (a table's ARN
from its name, a state machine's name from its ARN). A variable the template sets to a literal that the test
sets otherwise (the reminder state machine's fixed ARN, a domain id, an account id) *rebinds* that literal
wherever the templates spell it, since the stack built both from the same setting. Every other resource
renders from the template itself: its name property, else its logical id. Pseudo parameters render as the
caller's partition, region and account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.iam.templates import Resource, Templates

# ARN of each resource type by its name, what Ref returns, and the property naming it.
_ARNS: Mapping[str, str] = {
    "AWS::DynamoDB::Table": "arn:{partition}:dynamodb:{region}:{account}:table/{name}",
    "AWS::SNS::Topic": "arn:{partition}:sns:{region}:{account}:{name}",
    "AWS::Lambda::Function": "arn:{partition}:lambda:{region}:{account}:function:{name}",
    "AWS::StepFunctions::StateMachine": "arn:{partition}:states:{region}:{account}:stateMachine:{name}",
    "AWS::Events::EventBus": "arn:{partition}:events:{region}:{account}:event-bus/{name}",
    "AWS::IAM::Role": "arn:{partition}:iam::{account}:role/{name}",
    "AWS::KMS::Key": "arn:{partition}:kms:{region}:{account}:key/{name}",
    "AWS::Logs::LogGroup": "arn:{partition}:logs:{region}:{account}:log-group:{name}:*",
    "AWS::SSM::Parameter": "arn:{partition}:ssm:{region}:{account}:parameter/{name}",
    "AWS::Cognito::UserPool": "arn:{partition}:cognito-idp:{region}:{account}:userpool/{name}",
}
_REF_IS_ARN = frozenset({"AWS::SNS::Topic", "AWS::StepFunctions::StateMachine"})
_NAME_PROPERTY: Mapping[str, str] = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Events::EventBus": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SSM::Parameter": "Name",
}
_NAME_ATTRIBUTES = frozenset({"Name", "TopicName"})
_ARN_ATTRIBUTES = frozenset({"Arn", "TopicArn"})
# A literal that names something (an ARN, a name, an account id), not a number of seconds or a JSON document.
_NAMING_LITERAL = re.compile(r"[\w.:/@+=,*-]+")


class Unrenderable(ValueError):
    """An expression the checker cannot render (an unknown intrinsic, an attribute it cannot derive)."""


@dataclass(frozen=True)
class World:
    """Where a call happens and what the test named things."""

    partition: str
    region: str
    account: str
    bindings: Mapping[tuple[str, str, str], str] = field(default_factory=dict)  # (stack, id, Ref|attr)
    rebinds: tuple[tuple[str, str], ...] = ()  # (template literal, the test's value)

    def acting_in(self, account: str) -> World:
        """The same world seen from ``account`` (a role assumed there)."""
        return World(self.partition, self.region, account, self.bindings, self.rebinds)


def world_of(
    function: Resource, environment: Mapping[str, str], *, partition: str, region: str, account: str
) -> World:
    """The world a function's recorded ``environment`` describes, against its template environment."""
    variables = function.properties.get("Environment", {}).get("Variables", {})
    bindings: dict[tuple[str, str, str], str] = {}
    rebinds: list[tuple[str, str]] = []
    for name, expression in variables.items():
        value = environment.get(name)
        if value is None:
            continue
        if isinstance(expression, str):
            if expression != value and _names_something(expression):
                rebinds.append((expression, value))
        elif isinstance(expression, Mapping) and len(expression) == 1:
            ((intrinsic, argument),) = expression.items()
            if intrinsic == "Ref" and not str(argument).startswith("AWS::"):
                bindings[(function.stack, str(argument), "Ref")] = value
            elif intrinsic == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                bindings[(function.stack, str(logical_id), str(attribute))] = value
    rebinds.sort(key=lambda pair: -len(pair[0]))
    return World(partition, region, account, bindings, tuple(rebinds))


def _names_something(literal: str) -> bool:
    if not _NAMING_LITERAL.fullmatch(literal):
        return False
    return not literal.isdigit() or len(literal) == 12  # an account id, not a count


class Renderer:
    """Renders template values of any stack in one ``World``."""

    def __init__(self, templates: Templates, world: World) -> None:
        self.templates = templates
        self.world = world

    def render(self, stack: str, value: Any) -> str:
        if isinstance(value, str):
            return self._rebind(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, Mapping) and len(value) == 1:
            ((intrinsic, argument),) = value.items()
            if intrinsic == "Ref":
                return self.ref(stack, str(argument))
            if intrinsic == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.attribute(stack, str(logical_id), str(attribute))
            if intrinsic == "Fn::Join":
                separator, parts = argument
                return str(separator).join(self.render(stack, part) for part in parts)
            if intrinsic == "Fn::Select":
                index, items = argument
                listed = items if isinstance(items, list) else self.render_list(stack, items)
                return self.render(stack, listed[int(index)])
            if intrinsic == "Fn::Sub" and isinstance(argument, str):
                return re.sub(r"\$\{([^}]+)\}", lambda match: self._sub(stack, match.group(1)), argument)
        raise Unrenderable(f"cannot render {value!r}")

    def render_list(self, stack: str, value: Any) -> list[str]:
        if isinstance(value, Mapping) and "Fn::Split" in value:
            separator, text = value["Fn::Split"]
            return self.render(stack, text).split(str(separator))
        if isinstance(value, list):
            return [self.render(stack, item) for item in value]
        return [self.render(stack, value)]

    def ref(self, stack: str, name: str) -> str:
        pseudo = {
            "AWS::Partition": self.world.partition,
            "AWS::Region": self.world.region,
            "AWS::AccountId": self.world.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack,
        }
        if name in pseudo:
            return pseudo[name]
        bound = self.world.bindings.get((stack, name, "Ref"))
        if bound is not None:
            return bound
        resource = self.templates.resource(stack, name)
        return self.arn(resource) if resource.type in _REF_IS_ARN else self.name(resource)

    def attribute(self, stack: str, logical_id: str, attribute: str) -> str:
        bound = self.world.bindings.get((stack, logical_id, attribute))
        if bound is not None:
            return bound
        resource = self.templates.resource(stack, logical_id)
        if attribute in _ARN_ATTRIBUTES:
            return self.arn(resource)
        if attribute in _NAME_ATTRIBUTES:
            return self.name(resource)
        raise Unrenderable(f"cannot derive {attribute} of {resource.describe()} ({resource.type})")

    def name(self, resource: Resource) -> str:
        """The physical name (or id) of ``resource`` in this world."""
        key = (resource.stack, resource.logical_id)
        if (*key, "Ref") in self.world.bindings and resource.type not in _REF_IS_ARN:
            return self.world.bindings[(*key, "Ref")]
        bound_arn = self._bound_arn(resource)
        if bound_arn is not None:
            return _name_from_arn(resource.type, bound_arn)
        name_property = _NAME_PROPERTY.get(resource.type)
        if name_property and name_property in resource.properties:
            return self.render(resource.stack, resource.properties[name_property])
        return resource.logical_id

    def arn(self, resource: Resource) -> str:
        bound = self._bound_arn(resource)
        if bound is not None:
            return bound
        format_ = _ARNS.get(resource.type)
        if format_ is None:
            raise Unrenderable(f"no ARN format for {resource.describe()} ({resource.type})")
        name = self.name(resource)
        if resource.type == "AWS::SSM::Parameter":
            name = name.lstrip("/")
        world = self.world
        return format_.format(
            partition=world.partition, region=world.region, account=world.account, name=name
        )

    def _bound_arn(self, resource: Resource) -> str | None:
        key = (resource.stack, resource.logical_id)
        for attribute in ("Arn", "TopicArn"):
            if (*key, attribute) in self.world.bindings:
                return self.world.bindings[(*key, attribute)]
        if resource.type in _REF_IS_ARN:
            return self.world.bindings.get((*key, "Ref"))
        return None

    def _sub(self, stack: str, variable: str) -> str:
        if "." in variable:
            logical_id, attribute = variable.split(".", 1)
            return self.attribute(stack, logical_id, attribute)
        return self.ref(stack, variable)

    def _rebind(self, literal: str) -> str:
        if not self.world.rebinds:
            return literal
        values = dict(self.world.rebinds)
        # One pass, longest literal first, so a whole ARN is rebound before a name or account inside it.
        pattern = "|".join(re.escape(old) for old, _ in self.world.rebinds)
        return re.sub(rf"(?<![\w-])(?:{pattern})(?![\w-])", lambda match: values[match.group(0)], literal)


def _name_from_arn(type_: str, arn: str) -> str:
    format_ = _ARNS.get(type_)
    if format_ is None:
        return arn
    prefix = format_.split("{name}")[0].split("{account}")[-1]
    position = arn.rfind(prefix) if prefix else -1
    return arn[position + len(prefix) :] if position >= 0 else arn.rsplit(":", 1)[-1]
