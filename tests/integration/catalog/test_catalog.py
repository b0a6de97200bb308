from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lakegate.catalog.reader import read_scope
from lakegate.core.errors import CatalogItemNotFound, TransientAwsError
from lakegate.requests.model import parse_request
from lakegate_offline.catalog_builder import create_database, create_table

pytestmark = pytest.mark.integration


def ask(database: str, table: str) -> Any:
    return parse_request(
        {"source": {"database": database, "table": table}, "target": {"account_id": "444455556666"}},
        partition="aws",
    )


def test_a_database_scope_reads_every_table_with_columns_and_partition_keys(glue: Any) -> None:
    create_database(glue, "sales", data_owner="222222222222", pii_flag="false")
    create_table(
        glue, "sales", "orders", columns=["id", ("email", {"pii_flag": "TRUE"})], partition_keys=["day"]
    )
    create_table(glue, "sales", "products", columns=["sku"], parameters={"pii_flag": "true"})
    scope = read_scope(ask("sales", "*"), glue=glue)
    assert scope.database.parameters["data_owner"] == "222222222222"
    tables = {table.name: table for table in scope.tables}
    assert set(tables) == {"orders", "products"}
    assert [(c.name, c.flagged, c.partition_key) for c in tables["orders"].columns] == [
        ("id", False, False),
        ("email", True, False),
        ("day", False, True),
    ]
    assert tables["products"].flagged


@pytest.mark.parametrize(
    ("database", "table", "message"),
    [
        ("nowhere", "orders", "database 'nowhere' is not in the Data Catalog"),
        ("sales", "nothing", "table sales.nothing is not in the Data Catalog"),
    ],
)
def test_a_missing_database_or_table_is_named(glue: Any, database: str, table: str, message: str) -> None:
    create_database(glue, "sales", data_owner="222222222222")
    with pytest.raises(CatalogItemNotFound, match=message):
        read_scope(ask(database, table), glue=glue)


def test_a_database_of_250_tables_is_read_in_one_database_call_and_three_pages() -> None:
    glue = boto3.client("glue", region_name="us-east-1")
    stubber = Stubber(glue)
    stubber.add_response(
        "get_database", {"Database": {"Name": "big", "Parameters": {"data_owner": "2" * 12}}}, {"Name": "big"}
    )
    for page, (start, stop) in enumerate([(0, 100), (100, 200), (200, 250)]):
        response: dict[str, Any] = {
            "TableList": [{"Name": f"t{i}", "DatabaseName": "big"} for i in range(start, stop)]
        }
        expected: dict[str, Any] = {"DatabaseName": "big", "MaxResults": 100}
        if page:
            expected["NextToken"] = f"page{page}"
        if stop < 250:
            response["NextToken"] = f"page{page + 1}"
        stubber.add_response("get_tables", response, expected)
    with stubber:
        scope = read_scope(ask("big", "*"), glue=glue)
        stubber.assert_no_pending_responses()
    assert len(scope.tables) == 250


def test_throttling_becomes_a_retryable_error() -> None:
    glue = boto3.client("glue", region_name="us-east-1")
    stubber = Stubber(glue)
    stubber.add_client_error("get_database", service_error_code="ThrottlingException", http_status_code=400)
    with stubber, pytest.raises(TransientAwsError, match="ThrottlingException"):
        read_scope(ask("sales", "orders"), glue=glue)
