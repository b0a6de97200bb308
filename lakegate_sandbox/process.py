"""Run `python -m lakegate_sandbox` as its own process on free loopback ports, for tests and benchmarks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60.0
# Plain HTTP to the sandbox's loopback web port, never through a proxy from the environment.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class SandboxProcess:
    """A running sandbox process and what its `/info.json` says."""

    info: dict[str, Any]
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the sandbox process has used so far (Linux ``/proc``), or None."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None


@contextmanager
def sandbox_process(*options: str) -> Iterator[SandboxProcess]:
    """Start the sandbox as a user does (with ``options``), wait until it answers, stop it after the block."""
    port, web_port = free_port(), free_port()
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "MOTO_"))
    }
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lakegate_sandbox",
                "--port",
                str(port),
                "--web-port",
                str(web_port),
                *options,
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            yield SandboxProcess(_wait_for_info(web_port, process, log), process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _wait_for_info(web_port: int, process: subprocess.Popen[str], log: TextIO) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the sandbox exited with {process.returncode}:\n{log.read()}")
        try:
            with _http.open(f"http://127.0.0.1:{web_port}/info.json", timeout=2) as response:
                return dict(json.load(response))
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the sandbox did not answer within {START_TIMEOUT_SECONDS:.0f}s")
