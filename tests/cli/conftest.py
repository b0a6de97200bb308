"""Fixtures for CLI tests: the real ``main`` run in-process against the offline mesh (moto)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lakegate_cli.main import main
from lakegate_offline.mesh import PRODUCER_ACCOUNT, OfflineMesh, offline_mesh
from lakegate_offline.sample_catalog import load_sample_catalog
from tests.conftest import dummy_aws_credentials


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


Cli = Callable[..., CliResult]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``lakegate ARGS...`` in this process; its exit code and what it printed."""

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="module")
def mesh() -> Iterator[OfflineMesh]:
    with dummy_aws_credentials(), offline_mesh() as built:
        load_sample_catalog(built.client("glue"), producer_account=PRODUCER_ACCOUNT)
        yield built


def eventually(check: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """The first truthy result of ``check``, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"nothing after {timeout}s")


@pytest.fixture(autouse=True)
def cli_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No sandbox endpoint or proxy from the developer's shell: the CLI must talk to moto (or 127.0.0.1)."""
    monkeypatch.delenv("LAKEGATE_ENDPOINT_URL", raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
