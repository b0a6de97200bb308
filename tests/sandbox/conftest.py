"""A sandbox started as a user starts it (its own process), on free ports, shared by this folder's tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningSandbox:
    info: dict[str, Any]
    process: subprocess.Popen[str]

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
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    port, web_port = free_port(), free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MOTO_"))}
    log = tmp_path_factory.mktemp("sandbox") / "sandbox.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(port), "--web-port", str(web_port)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        info = _wait_for_info(web_port, process, log)
        yield RunningSandbox(info=info, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_info(
    web_port: int, process: subprocess.Popen[str], log: Path, timeout: float = 60.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/info.json", timeout=2) as response:
                return dict(json.load(response))
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the sandbox did not start within a minute")
