from __future__ import annotations

import pytest

from lakegate.catalog.reader import CatalogScope, Column, Database, Table, is_flagged
from lakegate.catalog.sensitivity import MAX_REASONS_LISTED, assess
from lakegate.requests.model import AccessRequest


def table(
    name: str, *, flagged: bool = False, pii: tuple[str, ...] = (), partition_pii: tuple[str, ...] = ()
) -> Table:
    columns = [Column(name=column, flagged=column in pii) for column in ("id", "email", "amount")]
    columns.append(Column(name="region", flagged="region" in partition_pii, partition_key=True))
    return Table(name=name, flagged=flagged, columns=tuple(columns))


def scope(*tables: Table, database_flagged: bool = False) -> CatalogScope:
    return CatalogScope(
        database=Database(name="sales", flagged=database_flagged, parameters={}), tables=tables
    )


def ask(table_name: str | None, columns: tuple[str, ...] = ()) -> AccessRequest:
    return AccessRequest(
        database="sales",
        table=table_name,
        columns=columns,
        consumer_account="444455556666",
        principal=None,
        permissions=("SELECT",),
    )


@pytest.mark.parametrize("value", ["true", "TRUE", "True", " true "])
def test_pii_flag_is_compared_case_insensitively(value: str) -> None:
    assert is_flagged({"pii_flag": value})


@pytest.mark.parametrize(
    "parameters", [None, {}, {"pii_flag": "false"}, {"pii_flag": " FALSE "}, {"other": "true"}]
)
def test_only_an_absent_or_false_flag_is_not_sensitive(parameters: dict[str, str] | None) -> None:
    assert not is_flagged(parameters)


def test_a_column_with_an_unclear_flag_needs_approval_and_says_why() -> None:
    orders = Table(
        name="orders",
        flagged=False,
        columns=(Column(name="email", flagged=True, unclear_flag="yes"),),
    )
    result = assess(ask(None), scope(orders))
    assert result.reasons == (
        'column sales.orders.email: pii_flag="yes" is not true/false: treated as sensitive',
    )


def test_a_database_request_with_one_pii_column_in_one_table_needs_approval() -> None:
    result = assess(ask(None), scope(table("orders"), table("customers", pii=("email",))))
    assert result.sensitive
    assert result.reasons == ("column sales.customers.email is flagged pii_flag",)


def test_a_database_request_with_a_flagged_partition_key_needs_approval() -> None:
    result = assess(ask(None), scope(table("orders", partition_pii=("region",))))
    assert result.reasons == ("partition key sales.orders.region is flagged pii_flag",)


def test_a_flagged_database_makes_every_request_sensitive() -> None:
    result = assess(ask("orders", ("id",)), scope(table("orders"), database_flagged=True))
    assert result.reasons == ("database sales is flagged pii_flag",)


def test_a_flagged_table_makes_a_column_request_on_it_sensitive() -> None:
    assert assess(ask("orders", ("id",)), scope(table("orders", flagged=True))).sensitive


def test_a_column_request_only_looks_at_the_requested_columns() -> None:
    orders = table("orders", pii=("email",))
    assert not assess(ask("orders", ("id", "amount")), scope(orders)).sensitive
    assert assess(ask("orders", ("id", "EMAIL")), scope(orders)).sensitive


def test_a_table_request_looks_at_every_column() -> None:
    assert assess(ask("orders"), scope(table("orders", pii=("amount",)))).sensitive


def test_nothing_flagged_is_not_sensitive() -> None:
    result = assess(ask(None), scope(table("orders"), table("customers")))
    assert not result.sensitive
    assert result.reasons == ()


def test_a_huge_number_of_reasons_is_summarized() -> None:
    tables = [table(f"t{index}", flagged=True) for index in range(100)]
    result = assess(ask(None), scope(*tables))
    assert len(result.reasons) == MAX_REASONS_LISTED
    assert result.reasons[-1] == f"and {100 - MAX_REASONS_LISTED + 1} more flagged items"
