"""Shared fixtures: dummy AWS credentials per test, moto, clients, the ledger and a Lambda context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lakegate.ledger import Ledger
from offline.in_process_lambda import LambdaContext
from offline.mesh import REGION, create_ledger_table

LEDGER_TABLE = "lakegate-ledger-test"


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
def lambda_context() -> LambdaContext:
    return LambdaContext(
        function_name="lakegate-test",
        invoked_function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:lakegate-test",
        aws_request_id="test-request",
    )
