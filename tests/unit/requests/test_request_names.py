from __future__ import annotations

import re
from dataclasses import replace

import pytest

from lakegate.requests.model import AccessRequest
from lakegate.requests.names import request_hash, request_name

NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
BASE = AccessRequest(
    database="sales",
    table="orders",
    columns=(),
    consumer_account="444455556666",
    principal=None,
    permissions=("SELECT", "DESCRIBE"),
)


def test_a_name_is_a_readable_slug_and_a_hash_of_the_request() -> None:
    assert re.fullmatch(r"sales-orders-[0-9a-f]{10}", request_name(BASE))
    assert request_name(replace(BASE, table=None)).startswith("sales-all-")
    assert request_name(replace(BASE, columns=("id",))).startswith("sales-orders-cols-")


def test_asking_again_numbers_the_name() -> None:
    assert request_name(BASE, 2) == f"{request_name(BASE)}-2"
    with pytest.raises(ValueError):
        request_name(BASE, 0)


def test_the_same_access_with_other_words_has_the_same_name() -> None:
    reworded = replace(BASE, requester="bob", justification="other words", permissions=("DESCRIBE", "SELECT"))
    assert request_name(reworded) == request_name(BASE)


@pytest.mark.parametrize(
    "change",
    [
        {"table": "products"},
        {"columns": ("order_id",)},
        {"consumer_account": "111122223333"},
        {"principal": "arn:aws:iam::444455556666:role/Analyst"},
        {"permissions": ("SELECT",)},
        {"duration_days": 30},
    ],
)
def test_asking_for_something_else_changes_the_hash(change: dict[str, object]) -> None:
    assert request_hash(replace(BASE, **change)) != request_hash(BASE)  # type: ignore[arg-type]


def test_long_and_unusual_catalog_names_still_make_valid_names() -> None:
    long_request = replace(BASE, database="d" * 255, table="t-" * 100, columns=("c",))
    for attempt in (1, 9999):
        assert NAME.match(request_name(long_request, attempt))
