"""A sandbox started as a user starts it (its own process), on free ports, shared by this folder's tests."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from lakegate_sandbox.process import ROOT, sandbox_process

ARTIFACTS = ROOT / "artifacts"


@dataclass(frozen=True)
class RunningSandbox:
    info: dict[str, Any]

    @property
    def endpoint(self) -> str:
        return str(self.info["endpoint_url"])

    def client(self, service: str, **credentials: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.info["region"],
            aws_access_key_id=credentials.get("aws_access_key_id", "consumer"),
            aws_secret_access_key=credentials.get("aws_secret_access_key", "consumer"),
        )

    def outbox(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.info["outbox_json_url"], timeout=10) as response:
            return list(json.load(response)["messages"])

    def environment(self) -> dict[str, str]:
        """An environment for a `lakegate` process talking to this sandbox."""
        environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        environment.update(
            {
                "LAKEGATE_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": "consumer",
                "AWS_SECRET_ACCESS_KEY": "consumer",
                "AWS_DEFAULT_REGION": self.info["region"],
            }
        )
        return environment


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    with sandbox_process() as running:
        yield RunningSandbox(info=running.info)
