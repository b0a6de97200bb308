"""Shared fixtures: dummy AWS credentials per test, moto, clients, the ledger and a Lambda context.

Also the recording of every AWS call the functions make (``call_recorder``) into a file of this
session, for the IAM coverage check in tests/iam, which runs last.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lakegate.ledger.store import Ledger
from lakegate.requests.requester import RequesterKey
from lakegate_offline import call_recorder
from lakegate_offline.in_process_lambda import LambdaContext
from lakegate_offline.mesh import REGION, create_ledger_table

LEDGER_TABLE = "lakegate-ledger-test"
# Tests whose functions' calls the IAM coverage check reads, and the marker of that check.
RECORDING_MARKERS = ("workflow", "integration", "sandbox", "browser")
COVERAGE_MARKER = "iam_coverage"
RECORDING_COLLECTED = pytest.StashKey[frozenset[str]]()
_CALL_LOG_DIRECTORY = pytest.StashKey[tuple[str, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    """Record the functions' calls into this session's own file (a sandbox started later appends too)."""
    directory = tempfile.mkdtemp(prefix="lakegate-calls-")
    config.stash[_CALL_LOG_DIRECTORY] = (directory, os.environ.get(call_recorder.LOG_VARIABLE))
    os.environ[call_recorder.LOG_VARIABLE] = str(Path(directory) / "calls.jsonl")
    call_recorder.install_from_environment()


def pytest_unconfigure(config: pytest.Config) -> None:
    directory, previous = config.stash.get(_CALL_LOG_DIRECTORY, ("", None))
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        if previous is None:
            os.environ.pop(call_recorder.LOG_VARIABLE, None)
        else:
            os.environ[call_recorder.LOG_VARIABLE] = previous


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The IAM coverage check last, after every test whose calls it reads."""
    items.sort(key=lambda item: item.get_closest_marker(COVERAGE_MARKER) is not None)


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[RECORDING_COLLECTED] = frozenset(
        marker for item in session.items for marker in RECORDING_MARKERS if item.get_closest_marker(marker)
    )


UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "MOTO_ACCOUNT_ID", "AWS_ENDPOINT_URL", "LAKEGATE_ENDPOINT_URL")
DUMMY = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def _use_dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    for name, value in DUMMY.items():
        monkeypatch.setenv(name, value)


@contextmanager
def dummy_aws_credentials() -> Iterator[None]:
    """Dummy credentials for a module-scoped fixture, which the per-test fixture cannot reach."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use_dummy_credentials(monkeypatch)
        yield


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and a fixed region, so nothing can reach a real account."""
    _use_dummy_credentials(monkeypatch)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def glue(aws: None) -> Any:
    return boto3.client("glue", region_name=REGION)


@pytest.fixture
def lakeformation(aws: None) -> Any:
    return boto3.client("lakeformation", region_name=REGION)


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def ledger(dynamodb: Any) -> Ledger:
    create_ledger_table(dynamodb, LEDGER_TABLE)
    return Ledger(LEDGER_TABLE, dynamodb=dynamodb)


@pytest.fixture
def requester_key(aws: None) -> RequesterKey:
    return new_requester_key()


def new_requester_key() -> RequesterKey:
    """A KMS HMAC key like the central stack's RequesterKey, proving who submitted a request."""
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
    return RequesterKey(key, kms=kms)


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext(
        function_name="lakegate-test",
        invoked_function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:lakegate-test",
        aws_request_id="test-request",
    )
