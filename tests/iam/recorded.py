"""The calls ``lakegate_offline.call_recorder`` wrote, read back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RecordedFunction:
    """One loaded handler: the function it stands for and the environment it was given."""

    id: str
    handler: str
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedCall:
    function: RecordedFunction
    service: str  # botocore's name (stepfunctions)
    prefix: str  # the IAM prefix, botocore's signing name (states)
    operation: str
    params: Mapping[str, Any]
    region: str
    partition: str
    account: str
    principal: str | None  # None: the function's own role; else the ARN of the role assumed

    def describe(self) -> str:
        who = f" as {self.principal}" if self.principal else ""
        return f"{self.function.handler}{who}: {self.service}.{self.operation}"


def read_calls(path: Path) -> list[RecordedCall]:
    """Every call in the log at ``path`` (none if it does not exist), with the function that made it."""
    if not path.exists():
        return []
    functions: dict[str, RecordedFunction] = {}
    calls: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["kind"] == "function":
            functions[record["id"]] = RecordedFunction(
                id=record["id"], handler=record["handler"], environment=record["environment"]
            )
        else:
            calls.append(record)
    return [
        RecordedCall(
            function=functions[call["function"]],
            service=call["service"],
            prefix=call["signing_name"],
            operation=call["operation"],
            params=call["params"],
            region=call["region"],
            partition=call["partition"],
            account=call["account"],
            principal=call["principal"],
        )
        for call in calls
    ]
