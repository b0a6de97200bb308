from __future__ import annotations

import copy
from typing import Any

import pytest

from lakegate.core.errors import InvalidRequest
from lakegate.requests.model import AccessRequest, parse_request

CONSUMER = "444455556666"
ROLE = f"arn:aws:iam::{CONSUMER}:role/Analyst"


def request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": {"database": "sales", "table": "orders"},
        "target": {"account_id": CONSUMER},
    }
    body.update(changes)
    return body


def test_the_original_samples_minimal_input_asks_for_select_and_describe_on_the_table() -> None:
    parsed = parse_request(request(), partition="aws")
    assert parsed.scope == "table"
    assert parsed.grantee == CONSUMER
    assert parsed.permissions == ("SELECT", "DESCRIBE")
    assert parsed.item_name == "sales.orders"


def test_a_star_table_asks_for_the_whole_database() -> None:
    parsed = parse_request(request(source={"database": "Sales", "table": "*"}), partition="aws")
    assert parsed.scope == "database"
    assert parsed.database == "sales"
    assert parsed.table is None


def test_column_requests_are_granted_select_only() -> None:
    parsed = parse_request(
        request(
            source={"database": "sales", "table": "orders", "columns": ["Order_ID", "amount"]},
            permissions=["select", "DESCRIBE"],
        ),
        partition="aws",
    )
    assert parsed.scope == "columns"
    assert parsed.columns == ("order_id", "amount")
    assert parsed.permissions == ("SELECT",)


def test_the_full_example_input_round_trips_through_the_ledger_shape() -> None:
    parsed = parse_request(
        request(
            source={"database": "sales", "table": "orders", "columns": ["order_id"]},
            target={"account_id": CONSUMER, "principal": ROLE},
            permissions=["SELECT"],
            requester="alice@example.com",
            justification="quarterly churn analysis",
            duration_days=30,
        ),
        partition="aws",
    )
    assert AccessRequest.from_dict(parsed.to_dict()) == parsed
    assert parsed.grantee == ROLE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": None}, "source: is required"),
        ({"source": "sales.orders"}, "source: must be a JSON object"),
        ({"source": {"table": "orders"}}, "source.database: is required"),
        ({"source": {"database": "sales"}}, "source.table: is required"),
        ({"source": {"database": "sales; drop", "table": "orders"}}, "source.database:"),
        ({"source": {"database": "sales", "table": "or ders"}}, "source.table:"),
        ({"source": {"database": "sales", "table": "*", "columns": ["id"]}}, "source.columns:"),
        ({"source": {"database": "sales", "table": "orders", "columns": []}}, "source.columns:"),
        ({"source": {"database": "sales", "table": "orders", "columns": ["id", "ID"]}}, "source.columns[1]:"),
        ({"source": {"database": "sales", "table": "orders", "columns": [7]}}, "source.columns[0]:"),
        ({"target": {}}, "target.account_id: is required"),
        ({"target": {"account_id": 444455556666}}, "target.account_id:"),
        ({"target": {"account_id": "4444"}}, "target.account_id:"),
        ({"target": {"account_id": CONSUMER, "principal": "alice"}}, "target.principal:"),
        (
            {"target": {"account_id": CONSUMER, "principal": f"arn:aws:iam::{CONSUMER}:user/alice"}},
            "target.principal:",
        ),
        (
            {"target": {"account_id": CONSUMER, "principal": "arn:aws:iam::111122223333:role/X"}},
            "target.principal:",
        ),
        ({"permissions": ["ALL"]}, "permissions[0]:"),
        ({"permissions": []}, "permissions:"),
        ({"duration_days": 0}, "duration_days:"),
        ({"duration_days": 366}, "duration_days:"),
        ({"duration_days": "30"}, "duration_days:"),
        ({"duration_days": True}, "duration_days:"),
        ({"justification": "x" * 2001}, "justification:"),
        ({"requester": ["alice"]}, "requester:"),
        ({"taget": {"account_id": CONSUMER}}, "taget: unknown field"),
    ],
)
def test_invalid_input_is_rejected_naming_the_field(change: dict[str, Any], field: str) -> None:
    body = request()
    for key, value in change.items():
        body[key] = copy.deepcopy(value)
    with pytest.raises(InvalidRequest) as raised:
        parse_request(body, partition="aws")
    assert str(raised.value).startswith(field)


def test_describe_alone_cannot_be_granted_on_columns() -> None:
    body = request(
        source={"database": "sales", "table": "orders", "columns": ["id"]}, permissions=["DESCRIBE"]
    )
    with pytest.raises(InvalidRequest, match="include SELECT"):
        parse_request(body, partition="aws")


def test_an_input_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(InvalidRequest, match="must be a JSON object"):
        parse_request(["sales"], partition="aws")


@pytest.mark.parametrize("account", ["444455556666\n", "\u0664" * 12, "\uff14" * 12])
def test_a_look_alike_account_id_is_refused(account: str) -> None:
    body = request(target={"account_id": account})
    with pytest.raises(InvalidRequest, match=r"^target\.account_id: .* is not a 12-digit AWS account id"):
        parse_request(body, partition="aws")


def test_a_role_of_another_partition_is_refused_naming_the_partition() -> None:
    body = request(target={"account_id": CONSUMER, "principal": f"arn:aws-cn:iam::{CONSUMER}:role/Analyst"})
    with pytest.raises(
        InvalidRequest, match=r"^target\.principal: the role is in partition aws-cn, but lakegate"
    ):
        parse_request(body, partition="aws")
    assert parse_request(body, partition="aws-cn").principal == f"arn:aws-cn:iam::{CONSUMER}:role/Analyst"


def test_a_role_arn_with_a_trailing_newline_is_refused() -> None:
    body = request(target={"account_id": CONSUMER, "principal": f"arn:aws:iam::{CONSUMER}:role/Analyst\n"})
    with pytest.raises(InvalidRequest, match=r"^target\.principal: .* is not an IAM role ARN"):
        parse_request(body, partition="aws")
