"""What the portal's catalog pages read: discoverable databases with paging, tables, columns."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from lakegate.catalog.reader import database_page
from lakegate.core.errors import CatalogItemNotFound
from lakegate.portal.catalog import database_with_tables, discoverable_databases, table_of
from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.sample_catalog import load_sample_catalog
from tests.support.ledger_records import PRODUCER

pytestmark = pytest.mark.integration


@pytest.fixture
def catalog(glue: Any) -> Any:
    load_sample_catalog(glue, producer_account=PRODUCER)
    create_database(glue, "orphan", data_owner=None, description="nobody owns this")
    create_table(glue, "orphan", "things", columns=["id"])
    return glue


def test_only_databases_naming_a_data_owner_are_listed_each_with_its_sensitivity(catalog: Any) -> None:
    page = discoverable_databases(glue=catalog)

    listed = {summary.database.name: summary for summary in page.databases}
    assert set(listed) == {"sales", "customers"}
    assert listed["customers"].database.owner_name == "Customer Data"
    assert listed["customers"].sensitivity.sensitive
    assert not listed["sales"].sensitivity.sensitive
    assert page.next_token is None


def test_a_database_shows_its_tables_and_which_are_sensitive(catalog: Any) -> None:
    database, tables = database_with_tables("customers", glue=catalog)

    assert database.description == "Customer records"
    by_name = {table.name: table for table in tables}
    assert [table.name for table in tables] == ["payments", "profiles", "visits"]
    assert by_name["payments"].sensitive and by_name["payments"].flagged
    assert by_name["profiles"].sensitive_columns == ("email", "phone")
    assert by_name["visits"].sensitive_columns == ("ip_address",)


def test_a_table_shows_its_columns_then_its_partition_keys(catalog: Any) -> None:
    _, table = table_of("customers", "profiles", glue=catalog)

    assert [column.name for column in table.regular_columns] == ["customer_id", "email", "phone", "segment"]
    assert [column.name for column in table.partition_keys] == ["country"]
    assert [column.flagged for column in table.regular_columns] == [False, True, True, False]


@pytest.mark.parametrize(
    ("database", "table"), [("orphan", "things"), ("missing", "x"), ("customers", "missing")]
)
def test_an_undiscoverable_or_missing_item_is_not_found(catalog: Any, database: str, table: str) -> None:
    with pytest.raises(CatalogItemNotFound):
        table_of(database, table, glue=catalog)


def test_databases_are_listed_page_by_page(glue: Any) -> None:
    stubber = Stubber(glue)
    stubber.add_response(
        "get_databases",
        {"DatabaseList": [{"Name": "a"}], "NextToken": "page-2"},
        {"MaxResults": 20},
    )
    stubber.add_response(
        "get_databases", {"DatabaseList": [{"Name": "b"}]}, {"MaxResults": 20, "NextToken": "page-2"}
    )
    with stubber:
        first, token = database_page(glue=glue, page_size=20)
        second, end = database_page(glue=glue, next_token=token, page_size=20)

    assert ([raw["Name"] for raw in first], token) == (["a"], "page-2")
    assert ([raw["Name"] for raw in second], end) == (["b"], None)
