"""Fixtures for whole-workflow tests: a mesh on moto with a catalog covering every case."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.mesh import PRODUCER_ACCOUNT, OfflineMesh, offline_mesh
from tests.conftest import dummy_aws_credentials

EVENTS = Path(__file__).resolve().parent.parent / "events"
PII = {"pii_flag": "true"}
# An account outside the mesh: neither a consumer nor a producer.
OUTSIDER = "987654321098"
# A producer of the mesh that never deployed the producer stack: asking its owner fails.
UNDEPLOYED_PRODUCER = "333333333333"
MESH_PRODUCERS = (PRODUCER_ACCOUNT, UNDEPLOYED_PRODUCER)


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def build_catalog(mesh: OfflineMesh) -> None:
    glue = mesh.client("glue")
    create_database(glue, "sales", data_owner=PRODUCER_ACCOUNT, owner_name="Sales Producer")
    create_table(glue, "sales", "orders", columns=["order_id", "amount"], partition_keys=["order_date"])
    create_table(glue, "sales", "products", columns=["sku", "name"])
    create_database(glue, "flagged_db", data_owner=PRODUCER_ACCOUNT, pii_flag="true")
    create_table(glue, "flagged_db", "events", columns=["id"])
    create_database(glue, "table_flag", data_owner=PRODUCER_ACCOUNT)
    create_table(glue, "table_flag", "accounts", columns=["id"], parameters=PII)
    create_database(glue, "column_flag", data_owner=PRODUCER_ACCOUNT)
    create_table(glue, "column_flag", "plain", columns=["id"])
    create_table(glue, "column_flag", "profiles", columns=["id", ("email", PII)])
    create_database(glue, "partition_flag", data_owner=PRODUCER_ACCOUNT)
    create_table(glue, "partition_flag", "visits", columns=["id"], partition_keys=[("ip_address", PII)])
    create_database(glue, "caps_flag", data_owner=PRODUCER_ACCOUNT)
    create_table(glue, "caps_flag", "people", columns=["id", ("ssn", {"pii_flag": "TRUE"})])
    create_database(glue, "orphan", data_owner=None)
    create_table(glue, "orphan", "things", columns=["id"])
    create_database(glue, "foreign", data_owner=OUTSIDER)
    create_table(glue, "foreign", "listings", columns=["id"])


@pytest.fixture(scope="module")
def mesh() -> Iterator[OfflineMesh]:
    with dummy_aws_credentials(), offline_mesh(producer_account_ids=MESH_PRODUCERS) as built:
        build_catalog(built)
        yield built


@pytest.fixture(scope="module")
def impatient_mesh() -> Iterator[OfflineMesh]:
    """A mesh whose data owners get one second to decide."""
    with dummy_aws_credentials(), offline_mesh(approval_timeout_seconds=1) as built:
        build_catalog(built)
        yield built


@pytest.fixture
def request_id() -> str:
    return f"req-{uuid.uuid4().hex[:12]}"


def wait_for(messages: Any, request_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """The first message mentioning ``request_id`` from a mesh inbox (approval emails or notices)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in messages():
            if request_id in message["body"]:
                return message
        time.sleep(0.05)
    raise AssertionError(f"no message about {request_id} arrived")


def links(email: dict[str, Any]) -> dict[str, str]:
    found = {}
    for line in email["body"].splitlines():
        for label in ("Approve", "Deny"):
            if line.startswith(f"{label}:"):
                found[label.lower()] = line.split()[-1]
    return found
