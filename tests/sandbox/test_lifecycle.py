"""A grant's whole life in the sandbox, with its clock compressed: granted, expired, revoked, asked again."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from lakegate_sandbox.process import sandbox_process
from tests.sandbox.conftest import RunningSandbox
from tests.sandbox.test_end_to_end import lakegate, wait_for_status

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def fast_sandbox() -> Iterator[RunningSandbox]:
    """A sandbox where a day lasts one second."""
    with sandbox_process("--day-seconds", "1") as running:
        yield RunningSandbox(info=running.info)


def test_time_bound_access_is_revoked_when_it_ends_and_can_be_asked_for_again(
    fast_sandbox: RunningSandbox,
) -> None:
    consumer = fast_sandbox.info["accounts"]["consumer"]
    principal = f"arn:aws:iam::{consumer}:role/ShortLived"
    asked = ("request", "--database", "sales", "--table", "orders", "--consumer", consumer,
             "--principal", principal, "--duration-days", "2", "--wait", "--json")  # fmt: skip

    # GIVEN access for two (one-second) days
    first = lakegate(fast_sandbox, *asked)
    assert first.returncode == 0, first.stderr
    request_id = json.loads(first.stdout)["request_id"]

    # WHEN the days have passed THEN it was granted, then revoked, and the ledger says why
    revoked = wait_for_status(fast_sandbox, request_id, "REVOKED")
    assert [entry["status"] for entry in revoked["history"]] == ["RECEIVED", "GRANTED", "REVOKED"]
    assert revoked["access_expires_at"]
    assert (revoked["revoked_by"], revoked["revocation_reason"]) == ("lakegate", "access for 2 days ended")
    permissions = fast_sandbox.client("lakeformation").list_permissions()["PrincipalResourcePermissions"]
    assert principal not in [entry["Principal"]["DataLakePrincipalIdentifier"] for entry in permissions]

    # AND the consumer can ask again: a new request, granted like the first
    second = lakegate(fast_sandbox, *asked)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["request_id"] == f"{request_id}-2"
