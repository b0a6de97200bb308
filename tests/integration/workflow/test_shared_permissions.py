"""Overlapping granted requests share Lake Formation permissions; revoking one keeps what the other holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from lakegate.ledger.store import Ledger
from lakegate.workflow.consumer_notice import ConsumerNotifier, notice
from lakegate.workflow.grant_access import grant_access
from lakegate.workflow.revoke_access import revoke_access
from tests.support.ledger_records import CONSUMER, NOW, evaluated_fields

pytestmark = pytest.mark.integration
ADMIN = "arn:aws:sts::123456789012:assumed-role/Admin/sam"
ROLE = f"arn:aws:iam::{CONSUMER}:role/Analyst"


@pytest.fixture
def notifier(aws: None) -> ConsumerNotifier:
    sns = boto3.client("sns")
    return ConsumerNotifier(sns.create_topic(Name="notices")["TopicArn"], sns=sns)


def ask(ledger: Ledger, request_id: str, table: str = "orders", **changes: Any) -> None:
    fields = evaluated_fields("sales", table, sensitive=False, **changes)
    ledger.create(request_id, fields, by="alice", reason="asked", now=NOW)


def grant(ledger: Ledger, lakeformation: Any, request_id: str) -> dict[str, Any]:
    return grant_access({"request_id": request_id}, ledger=ledger, lakeformation=lakeformation, now=NOW)


def revoke(ledger: Ledger, lakeformation: Any, notifier: ConsumerNotifier, request_id: str) -> dict[str, Any]:
    return revoke_access(
        request_id,
        ledger=ledger,
        lakeformation=lakeformation,
        notifier=notifier,
        by=ADMIN,
        reason="done",
        now=NOW,
    )


def held(lakeformation: Any) -> list[tuple[str, dict[str, Any], list[str]]]:
    return [
        (entry["Principal"]["DataLakePrincipalIdentifier"], entry["Resource"], sorted(entry["Permissions"]))
        for entry in lakeformation.list_permissions()["PrincipalResourcePermissions"]
    ]


ORDERS = {"Table": {"DatabaseName": "sales", "Name": "orders"}}


def test_a_request_already_held_in_full_grants_nothing_and_says_through_which_request(
    ledger: Ledger, lakeformation: Any
) -> None:
    ask(ledger, "r1")
    grant(ledger, lakeformation, "r1")
    ask(ledger, "r2")

    result = grant(ledger, lakeformation, "r2")

    record = ledger.require("r2")
    assert record["status"] == "GRANTED"
    assert result["grants"] == ledger.require("r1")["grants"]  # it holds the same grants
    assert record["held_elsewhere"] == [
        {"grant": f"SELECT, DESCRIBE on table sales.orders to {CONSUMER}", "held_by": ["r1"]}
    ]
    assert record["history"][-1]["reason"] == (
        "nothing new granted: the access is held in full through other granted requests; already held "
        f"through request r1: SELECT, DESCRIBE on table sales.orders to {CONSUMER}"
    )
    assert notice(record, "GRANTED")["already_held"] == record["held_elsewhere"]
    assert held(lakeformation) == [(CONSUMER, ORDERS, ["DESCRIBE", "SELECT"])]


def test_revoking_one_of_two_requests_for_the_same_table_keeps_the_others_access(
    ledger: Ledger, lakeformation: Any, notifier: ConsumerNotifier
) -> None:
    for request_id in ("r1", "r2"):
        ask(ledger, request_id)
        grant(ledger, lakeformation, request_id)

    first = revoke(ledger, lakeformation, notifier, "r1")

    assert held(lakeformation) == [(CONSUMER, ORDERS, ["DESCRIBE", "SELECT"])]
    kept = [{"grant": f"SELECT, DESCRIBE on table sales.orders to {CONSUMER}", "held_by": ["r2"]}]
    assert (first["removed"], first["kept"]) == ([], kept)
    record = ledger.require("r1")
    assert (record["status"], record["revocation_removed"], record["revocation_kept"]) == (
        "REVOKED",
        [],
        kept,
    )
    assert record["history"][-1]["reason"] == (
        f"done; kept what other granted requests still hold: SELECT, DESCRIBE on table sales.orders to "
        f"{CONSUMER} (request r2)"
    )
    assert notice(record, "REVOKED")["kept"] == kept

    last = revoke(ledger, lakeformation, notifier, "r2")

    assert held(lakeformation) == []
    assert (last["removed"], last["kept"]) == ([f"SELECT, DESCRIBE on table sales.orders to {CONSUMER}"], [])


def test_overlapping_columns_grant_only_the_new_ones_and_revoke_only_the_unshared_ones(
    ledger: Ledger, lakeformation: Any, notifier: ConsumerNotifier
) -> None:
    ask(ledger, "r1", columns=("order_id", "amount"), principal=ROLE)
    grant(ledger, lakeformation, "r1")
    ask(ledger, "r2", columns=("amount", "order_date"), principal=ROLE)

    grant(ledger, lakeformation, "r2")

    assert ledger.require("r2")["held_elsewhere"] == [
        {"grant": f"SELECT on columns amount of table sales.orders to {ROLE}", "held_by": ["r1"]}
    ]
    assert ledger.require("r2")["history"][-1]["reason"].startswith(
        f"granted SELECT on columns order_date of table sales.orders to {ROLE}; "
        "already held through request r1"
    )

    calls = RecordedCalls(lakeformation)
    result = revoke(ledger, calls, notifier, "r1")

    assert result["removed"] == [f"SELECT on columns order_id of table sales.orders to {ROLE}"]
    assert result["kept"] == [
        {"grant": f"SELECT on columns amount of table sales.orders to {ROLE}", "held_by": ["r2"]}
    ]
    # Lake Formation keeps one column permission per principal and table, so the revocation names only
    # the column nobody else holds (moto keeps each grant's columns apart and cannot show the result).
    assert calls.made == [
        (
            "revoke_permissions",
            {
                "Principal": {"DataLakePrincipalIdentifier": ROLE},
                "Resource": {
                    "TableWithColumns": {
                        "DatabaseName": "sales",
                        "Name": "orders",
                        "ColumnNames": ["order_id"],
                    }
                },
                "Permissions": ["SELECT"],
                "PermissionsWithGrantOption": [],
            },
        )
    ]


class RecordedCalls:
    """A Lake Formation client that records the grants and revocations made through it."""

    def __init__(self, lakeformation: Any) -> None:
        self._lakeformation = lakeformation
        self.made: list[tuple[str, dict[str, Any]]] = []

    def grant_permissions(self, **arguments: Any) -> Any:
        self.made.append(("grant_permissions", arguments))
        return self._lakeformation.grant_permissions(**arguments)

    def revoke_permissions(self, **arguments: Any) -> Any:
        self.made.append(("revoke_permissions", arguments))
        return self._lakeformation.revoke_permissions(**arguments)


def test_the_same_table_for_another_grantee_is_not_shared(
    ledger: Ledger, lakeformation: Any, notifier: ConsumerNotifier
) -> None:
    ask(ledger, "r1")
    grant(ledger, lakeformation, "r1")
    ask(ledger, "r2", principal=ROLE)
    grant(ledger, lakeformation, "r2")

    result = revoke(ledger, lakeformation, notifier, "r1")

    assert result["kept"] == []
    assert held(lakeformation) == [(ROLE, ORDERS, ["DESCRIBE", "SELECT"])]


# --- a grant and a revocation racing on a shared permission -----------------------------------------


class LedgerWithAHook(Ledger):
    """The ledger, running ``hook`` once right after its first holdings scan has been read."""

    def __init__(self, ledger: Ledger, dynamodb: Any, hook: Callable[[], None]) -> None:
        super().__init__(ledger.table_name, dynamodb=dynamodb)
        self._hook: Callable[[], None] | None = hook

    def scan(self, **arguments: Any) -> Iterator[Any]:
        records = list(super().scan(**arguments))
        hook, self._hook = self._hook, None
        if hook is not None:
            hook()
        return iter(records)


def test_a_grant_that_relied_on_a_request_revoked_meanwhile_grants_the_permission_itself(
    ledger: Ledger, dynamodb: Any, lakeformation: Any, notifier: ConsumerNotifier
) -> None:
    # r2's grant reads r1 as holding the table; r1 is revoked before r2 records GRANTED
    ask(ledger, "r1")
    grant(ledger, lakeformation, "r1")
    ask(ledger, "r2")
    racing = LedgerWithAHook(ledger, dynamodb, lambda: revoke(ledger, lakeformation, notifier, "r1"))

    grant(racing, lakeformation, "r2")

    assert (ledger.require("r1")["status"], ledger.require("r2")["status"]) == ("REVOKED", "GRANTED")
    assert held(lakeformation) == [(CONSUMER, ORDERS, ["DESCRIBE", "SELECT"])]


def test_a_revocation_that_missed_a_request_granted_meanwhile_grants_its_part_again(
    ledger: Ledger, dynamodb: Any, lakeformation: Any, notifier: ConsumerNotifier
) -> None:
    # r1's revocation reads no other holder; r2 is granted (relying on r1) before r1 records REVOKED
    ask(ledger, "r1")
    grant(ledger, lakeformation, "r1")
    ask(ledger, "r2")
    racing = LedgerWithAHook(ledger, dynamodb, lambda: grant(ledger, lakeformation, "r2"))

    revoke(racing, lakeformation, notifier, "r1")

    assert ledger.require("r2")["held_elsewhere"][0]["held_by"] == ["r1"]
    assert (ledger.require("r1")["status"], ledger.require("r2")["status"]) == ("REVOKED", "GRANTED")
    assert held(lakeformation) == [(CONSUMER, ORDERS, ["DESCRIBE", "SELECT"])]
