"""The synthesized templates as plain JSON: functions by handler, roles and their statements, key and trust
policies, state machine definitions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Resource:
    stack: str
    logical_id: str
    type: str
    properties: Mapping[str, Any]

    def describe(self) -> str:
        return f"{self.stack}/{self.logical_id}"


@dataclass(frozen=True)
class Statement:
    """One policy statement and where it is (for messages)."""

    stack: str
    where: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Templates:
    documents: Mapping[str, Mapping[str, Any]]  # stack name -> template
    assembly_dir: Path | None = None

    @classmethod
    def from_assembly(cls, directory: Path) -> Templates:
        documents = {
            path.name.removesuffix(".template.json"): json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(directory.glob("*.template.json"))
        }
        return cls(documents, directory)

    def resources(self, type_: str | None = None) -> Iterator[Resource]:
        for stack, document in self.documents.items():
            for logical_id, body in document.get("Resources", {}).items():
                if type_ is None or body["Type"] == type_:
                    yield Resource(stack, logical_id, body["Type"], body.get("Properties", {}))

    def resource(self, stack: str, logical_id: str) -> Resource:
        body = self.documents[stack]["Resources"][logical_id]
        return Resource(stack, logical_id, body["Type"], body.get("Properties", {}))

    def functions(self, handler: str) -> list[Resource]:
        """The Lambda functions whose ``Handler`` is ``handler`` (``lakegate.handlers.x.handler``)."""
        return [
            function
            for function in self.resources("AWS::Lambda::Function")
            if function.properties.get("Handler") == handler
        ]

    def role_of(self, resource: Resource) -> Resource | None:
        """The role a function or state machine runs as (``Role`` / ``RoleArn`` is ``GetAtt Role.Arn``)."""
        value = resource.properties.get("Role", resource.properties.get("RoleArn"))
        logical_id = referenced_id(value)
        return self.resource(resource.stack, logical_id) if logical_id else None

    def identity_statements(self, role: Resource) -> list[Statement]:
        """Every statement of the role's inline policies and of the policies attached to it."""
        found: list[Statement] = []
        for policy in role.properties.get("Policies", []):
            for body in _statements(policy.get("PolicyDocument")):
                found.append(Statement(role.stack, f"inline policy {policy.get('PolicyName')}", body))
        for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for policy in self.resources(type_):
                if policy.stack != role.stack:
                    continue
                if {"Ref": role.logical_id} in policy.properties.get("Roles", []):
                    for body in _statements(policy.properties.get("PolicyDocument")):
                        found.append(Statement(role.stack, f"policy {policy.logical_id}", body))
        return found

    def managed_policy_arns(self, role: Resource) -> list[Any]:
        return list(role.properties.get("ManagedPolicyArns", []))

    def trust_statements(self, role: Resource) -> list[Statement]:
        document = role.properties.get("AssumeRolePolicyDocument")
        return [
            Statement(role.stack, f"trust policy of {role.logical_id}", body)
            for body in _statements(document)
        ]

    def key_statements(self, key: Resource) -> list[Statement]:
        document = key.properties.get("KeyPolicy")
        return [
            Statement(key.stack, f"key policy of {key.logical_id}", body) for body in _statements(document)
        ]

    def definition(self, state_machine: Resource) -> dict[str, Any]:
        """A state machine's ASL: inline, or the asset file ``DefinitionS3Location`` names in the assembly."""
        inline = state_machine.properties.get("DefinitionString")
        if isinstance(inline, str):
            return dict(json.loads(inline))
        location = state_machine.properties.get("DefinitionS3Location")
        if location is None or self.assembly_dir is None:
            raise ValueError(f"{state_machine.describe()}: no definition to read")
        path = self.assembly_dir / f"asset.{location['Key']}"
        return dict(json.loads(path.read_text(encoding="utf-8")))


def referenced_id(value: Any) -> str | None:
    """``X`` of ``{"Ref": X}`` or ``{"Fn::GetAtt": [X, ...]}``; None for anything else."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref" and isinstance(argument, str) and not argument.startswith("AWS::"):
            return argument
        if function == "Fn::GetAtt":
            return str(argument[0] if isinstance(argument, list) else argument.split(".")[0])
    return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return []
    return [
        statement for statement in as_list(document.get("Statement", [])) if isinstance(statement, Mapping)
    ]
