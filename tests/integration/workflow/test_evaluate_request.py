from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lakegate.core.errors import (
    CatalogItemNotFound,
    CatalogParameterInvalid,
    DataOwnerInvalid,
    DataOwnerMissing,
)
from lakegate.ledger.store import Ledger
from lakegate.workflow.evaluate_request import evaluate_request
from lakegate_offline.catalog_builder import create_database, create_table
from tests.support.mesh_members import MESH

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PRODUCER = "222222222222"


def evaluate(glue: Any, ledger: Ledger, source: dict[str, Any], request_id: str = "r1") -> dict[str, Any]:
    event = {"request_id": request_id, "input": {"source": source, "target": {"account_id": "444455556666"}}}
    return evaluate_request(
        event, glue=glue, ledger=ledger, mesh=MESH, approval_timeout_seconds=7200, now=NOW
    )


@pytest.fixture
def catalog(glue: Any) -> Any:
    create_database(glue, "customers", data_owner=PRODUCER, owner_name="Customer Data")
    create_table(glue, "customers", "profiles", columns=["id", ("email", {"pii_flag": "true"})])
    return glue


def test_a_sensitive_request_is_recorded_with_its_reasons_owner_and_expiry(
    catalog: Any, ledger: Ledger
) -> None:
    state = evaluate(catalog, ledger, {"database": "customers", "table": "profiles"})
    assert state["evaluation"] == {
        "sensitive": True,
        "reasons": ["column customers.profiles.email is flagged pii_flag"],
        "data_owner": PRODUCER,
        "data_owner_name": "Customer Data",
        "approval_timeout_seconds": 7200,
        "approval_expires_at": "2026-11-22T14:00:00+00:00",
    }
    record = ledger.require("r1")
    assert record["status"] == "RECEIVED"
    assert record["sensitive"] is True
    assert record["request"] == state["request"]


def test_a_column_request_that_avoids_the_pii_column_is_not_sensitive(catalog: Any, ledger: Ledger) -> None:
    state = evaluate(catalog, ledger, {"database": "customers", "table": "profiles", "columns": ["id"]})
    assert state["evaluation"]["sensitive"] is False
    assert state["evaluation"]["approval_expires_at"] is None


def test_unknown_columns_are_named_with_the_ones_that_exist(catalog: Any, ledger: Ledger) -> None:
    with pytest.raises(
        CatalogItemNotFound, match=r"source.columns: phone not found .*its columns: id, email"
    ):
        evaluate(catalog, ledger, {"database": "customers", "table": "profiles", "columns": ["id", "phone"]})
    assert ledger.get("r1") is None


def test_a_database_without_data_owner_cannot_be_shared(glue: Any, ledger: Ledger) -> None:
    create_database(glue, "orphan", data_owner=None)
    with pytest.raises(DataOwnerMissing, match="database orphan has no data_owner parameter"):
        evaluate(glue, ledger, {"database": "orphan", "table": "*"})


def test_a_data_owner_that_is_not_an_account_id_is_refused(glue: Any, ledger: Ledger) -> None:
    create_database(glue, "odd", data_owner="sales-team")
    with pytest.raises(DataOwnerInvalid, match="'sales-team', which is not a 12-digit account id"):
        evaluate(glue, ledger, {"database": "odd", "table": "*"})


@pytest.mark.parametrize(
    ("principal", "prefix", "person"),
    [
        ("arn:aws:iam::444455556666:role/lakegate-user-jdoe", "lakegate-user-", "jdoe"),
        ("arn:aws:iam::444455556666:role/notebooks/lakegate-user-jdoe", "lakegate-user-", "jdoe"),
        ("arn:aws:iam::444455556666:role/Analyst", "lakegate-user-", None),
        ("arn:aws:iam::444455556666:role/lakegate-user-jdoe", "", None),
        (None, "lakegate-user-", None),
    ],
    ids=["own role", "own role under a path", "a team role", "no convention", "the whole account"],
)
def test_the_ledger_names_the_person_whose_own_role_the_request_is_for(
    catalog: Any, ledger: Ledger, principal: str | None, prefix: str, person: str | None
) -> None:
    target = {"account_id": "444455556666", **({"principal": principal} if principal else {})}
    event = {
        "request_id": "r1",
        "input": {"source": {"database": "customers", "table": "profiles"}, "target": target},
    }

    evaluate_request(
        event,
        glue=catalog,
        ledger=ledger,
        mesh=MESH,
        approval_timeout_seconds=7200,
        user_role_prefix=prefix,
        now=NOW,
    )

    assert ledger.require("r1").get("person") == person  # absent when nobody is named


@pytest.mark.parametrize("value", ["yes", "1", "Y", "ture"])
def test_a_flag_lakegate_cannot_read_asks_the_owner_and_says_why(
    glue: Any, ledger: Ledger, value: str
) -> None:
    create_database(glue, "sales", data_owner=PRODUCER)
    create_table(glue, "sales", "orders", columns=["id", "amount"], parameters={"pii_flag": value})

    state = evaluate(glue, ledger, {"database": "sales", "table": "orders"})

    reason = f'table sales.orders: pii_flag="{value}" is not true/false: treated as sensitive'
    assert state["evaluation"]["sensitive"] is True
    assert state["evaluation"]["reasons"] == [reason]
    assert ledger.require("r1")["sensitivity_reasons"] == [reason]


def test_a_flag_under_another_spelling_of_its_name_counts(glue: Any, ledger: Ledger) -> None:
    create_database(glue, "sales", data_owner=PRODUCER, PII_FLAG="true")
    create_table(glue, "sales", "orders", columns=["id"])

    state = evaluate(glue, ledger, {"database": "sales", "table": "orders"})

    assert state["evaluation"]["reasons"] == ["database sales is flagged pii_flag"]


@pytest.mark.parametrize("value", ["0", "30d", "1.5"])
def test_a_malformed_limit_fails_the_request_naming_it(glue: Any, ledger: Ledger, value: str) -> None:
    create_database(glue, "sales", data_owner=PRODUCER)
    create_table(glue, "sales", "orders", columns=["id"], parameters={"max_duration_days": value})

    with pytest.raises(CatalogParameterInvalid, match=f'table sales.orders has max_duration_days="{value}"'):
        evaluate(glue, ledger, {"database": "sales", "table": "orders"})
    assert ledger.get("r1") is None


def test_a_data_owner_of_look_alike_digits_is_refused(glue: Any, ledger: Ledger) -> None:
    create_database(glue, "odd", data_owner="\u0662" * 12)  # Arabic-Indic digits
    with pytest.raises(DataOwnerInvalid, match="which is not a 12-digit account id"):
        evaluate(glue, ledger, {"database": "odd", "table": "*"})
