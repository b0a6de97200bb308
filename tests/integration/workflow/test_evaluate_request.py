from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from lakegate.core.errors import (
    CatalogItemNotFound,
    CatalogParameterInvalid,
    DataOwnerInvalid,
    DataOwnerMissing,
    InvalidRequest,
)
from lakegate.ledger.store import Ledger
from lakegate.requests.model import parse_request
from lakegate.requests.requester import PROOF_FIELD, VIA_PORTAL, RequesterKey, requester_label
from lakegate.workflow.evaluate_request import evaluate_request
from lakegate_offline.catalog_builder import create_database, create_table
from tests.conftest import new_requester_key
from tests.support.mesh_members import MESH

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PRODUCER = "222222222222"


def evaluate(glue: Any, ledger: Ledger, source: dict[str, Any], request_id: str = "r1") -> dict[str, Any]:
    payload = {"source": source, "target": {"account_id": "444455556666"}}
    return evaluate_input(glue, ledger, new_requester_key(), payload, request_id)


def evaluate_input(
    glue: Any, ledger: Ledger, key: RequesterKey, payload: Any, request_id: str = "r1", **options: Any
) -> dict[str, Any]:
    return evaluate_request(
        {"request_id": request_id, "input": payload},
        glue=glue,
        ledger=ledger,
        mesh=MESH,
        requester_key=key,
        approval_timeout_seconds=7200,
        now=NOW,
        **options,
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
    payload = {"source": {"database": "customers", "table": "profiles"}, "target": target}

    evaluate_input(catalog, ledger, new_requester_key(), payload, user_role_prefix=prefix)

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


# --- who asked: verified or claimed ----------------------------------------------------------------


def asked_by(record: Any) -> tuple[Any, Any, Any]:
    return record.get("requester"), record.get("claimed_by"), record.get("requester_verified_by")


ASKED = {"source": {"database": "customers", "table": "profiles"}, "target": {"account_id": "444455556666"}}


def proved(
    key: RequesterKey, payload: dict[str, Any], request_id: str, identity: str = "carol"
) -> dict[str, Any]:
    request = parse_request(payload, partition="aws")
    return {**payload, PROOF_FIELD: key.prove(request_id, request, identity="carol", via=VIA_PORTAL)}


def test_a_free_text_requester_is_recorded_as_claimed_not_as_the_requester(
    catalog: Any, ledger: Ledger, requester_key: RequesterKey
) -> None:
    evaluate_input(catalog, ledger, requester_key, {**ASKED, "requester": "carol"})

    record = ledger.require("r1")
    assert asked_by(record) == (None, "carol", None)
    assert record["history"][0]["by"] == "carol (claimed)"
    assert requester_label(record) == "carol (claimed, not verified)"


def test_a_proof_made_for_the_request_records_its_identity_as_verified(
    catalog: Any, ledger: Ledger, requester_key: RequesterKey
) -> None:
    payload = proved(requester_key, {**ASKED, "requester": "carol"}, "r1")

    evaluate_input(catalog, ledger, requester_key, payload)

    record = ledger.require("r1")
    assert asked_by(record) == ("carol", None, "portal")
    assert requester_label(record) == "carol (signed in to the portal)"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda proof: {**proof, "identity": "mallory"},
        lambda proof: {**proof, "mac": base64.b64encode(b"x" * 32).decode()},
    ],
    ids=["another identity", "another mac"],
)
def test_a_proof_that_does_not_verify_is_refused(
    catalog: Any, ledger: Ledger, requester_key: RequesterKey, tamper: Any
) -> None:
    payload = proved(requester_key, dict(ASKED), "r1")
    payload[PROOF_FIELD] = tamper(payload[PROOF_FIELD])

    with pytest.raises(InvalidRequest, match="requester_proof: does not verify for this request"):
        evaluate_input(catalog, ledger, requester_key, payload)
    assert ledger.get("r1") is None


def test_a_proof_copied_onto_another_execution_or_request_is_refused(
    catalog: Any, ledger: Ledger, requester_key: RequesterKey
) -> None:
    payload = proved(requester_key, dict(ASKED), "r1")
    wider = {**payload, "source": {"database": "customers", "table": "*"}}

    for name, copied in (("r2", payload), ("r1", wider)):
        with pytest.raises(InvalidRequest, match="does not verify"):
            evaluate_input(catalog, ledger, requester_key, copied, request_id=name)


@pytest.mark.parametrize(
    ("proof", "says"),
    [
        ("carol", "must be an object with exactly identity, via and mac"),
        ({"identity": "carol", "via": "email", "mac": "AA=="}, "requester_proof.via: must be one of portal"),
        ({"identity": "carol", "via": "portal", "mac": "not base64!"}, "requester_proof.mac: is not base64"),
    ],
)
def test_a_malformed_proof_names_what_is_wrong(
    catalog: Any, ledger: Ledger, requester_key: RequesterKey, proof: Any, says: str
) -> None:
    with pytest.raises(InvalidRequest, match=re.escape(says)):
        evaluate_input(catalog, ledger, requester_key, {**ASKED, PROOF_FIELD: proof})
