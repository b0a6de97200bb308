"""The Service Authorization Reference facts lakegate keeps (``stacks/service_authorization.json``).

Per IAM action: the ARN formats of its resource types (none: IAM allows it only on ``"*"``) and its
condition keys; per API operation whose IAM action is not ``prefix:Operation``: its actions (none: the
operation needs no IAM permission, as Cognito's sign-in calls).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import stacks

FACTS_FILE = Path(stacks.__file__).parent / "service_authorization.json"
_VARIABLE = re.compile(r"\$\{[^}]+\}")


@dataclass(frozen=True)
class ActionFacts:
    resource_types: tuple[str, ...]
    condition_keys: tuple[str, ...]

    def names_a_resource_type(self, arn: str) -> bool:
        """Whether ``arn`` has the shape of one of the action's resource types (``${...}`` is anything)."""
        return any(_format_pattern(format_).fullmatch(arn) for format_ in self.resource_types)


@dataclass(frozen=True)
class ServiceAuthorization:
    actions: Mapping[str, ActionFacts]  # keyed by lower-case action, as IAM compares actions
    api_operations: Mapping[str, tuple[str, ...]]

    def iam_actions(self, service: str, prefix: str, operation: str) -> tuple[str, ...]:
        """The IAM actions an API call needs: ``service`` is botocore's name, ``prefix`` the IAM one."""
        for key in (f"{service}:{operation}", f"{prefix}:{operation}"):
            if key in self.api_operations:
                return self.api_operations[key]
        return (f"{prefix}:{operation}",)

    def facts(self, action: str) -> ActionFacts | None:
        return self.actions.get(action.lower())


def parse(document: Mapping[str, object]) -> ServiceAuthorization:
    actions = document["actions"]
    operations = document["api_operations"]
    assert isinstance(actions, Mapping) and isinstance(operations, Mapping)
    return ServiceAuthorization(
        actions={
            str(name).lower(): ActionFacts(
                resource_types=tuple(facts.get("resource_types", ())),
                condition_keys=tuple(facts.get("condition_keys", ())),
            )
            for name, facts in actions.items()
        },
        api_operations={str(name): tuple(found) for name, found in operations.items()},
    )


@cache
def load(path: Path = FACTS_FILE) -> ServiceAuthorization:
    return parse(json.loads(path.read_text(encoding="utf-8")))


@cache
def _format_pattern(format_: str) -> re.Pattern[str]:
    parts = _VARIABLE.split(format_)
    return re.compile(".+".join(re.escape(part) for part in parts))
