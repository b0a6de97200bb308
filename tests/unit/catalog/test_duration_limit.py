"""Producers' maximum duration for sensitive items: the max_duration_days catalog parameter."""

from __future__ import annotations

import pytest

from lakegate.catalog.duration_limit import DurationLimit, duration_limit, require_duration_within_limit
from lakegate.catalog.reader import CatalogScope, Database, Table
from lakegate.core.errors import CatalogParameterInvalid, InvalidRequest
from lakegate.requests.model import AccessRequest


def scope(*tables: Table, database_limit: int | None = None) -> CatalogScope:
    database = Database(name="customers", flagged=False, parameters={}, max_duration_days=database_limit)
    return CatalogScope(database=database, tables=tables)


def table(name: str, limit: int | None = None) -> Table:
    return Table(name=name, flagged=True, columns=(), max_duration_days=limit)


def ask(duration_days: int | None) -> AccessRequest:
    return AccessRequest(
        database="customers",
        table="profiles",
        columns=(),
        consumer_account="444455556666",
        principal=None,
        permissions=("SELECT",),
        duration_days=duration_days,
    )


def test_the_smallest_limit_of_the_database_and_the_tables_in_scope_applies() -> None:
    assert duration_limit(scope(table("profiles"))) is None
    assert duration_limit(scope(table("profiles", 30), database_limit=90)) == DurationLimit(
        30, "customers.profiles"
    )
    assert duration_limit(scope(table("a", 60), table("b"), database_limit=14)) == DurationLimit(
        14, "database customers"
    )


def test_a_sensitive_request_above_the_limit_fails_naming_the_field_and_the_limit() -> None:
    with pytest.raises(InvalidRequest) as raised:
        require_duration_within_limit(ask(45), scope(table("profiles", 30)), sensitive=True)
    message = str(raised.value)
    assert message.startswith("duration_days: 45 is too long")
    assert "customers.profiles allows at most 30 days for sensitive data" in message
    assert message.endswith("ask for 30 or fewer")


def test_a_sensitive_request_without_a_duration_must_give_one_where_a_limit_is_set() -> None:
    with pytest.raises(InvalidRequest, match=r"^duration_days: is required: .*at most 30 days"):
        require_duration_within_limit(ask(None), scope(table("profiles", 30)), sensitive=True)


@pytest.mark.parametrize("days", [1, 30])
def test_a_sensitive_request_within_the_limit_passes(days: int) -> None:
    require_duration_within_limit(ask(days), scope(table("profiles", 30)), sensitive=True)


@pytest.mark.parametrize("days", [None, 365])
def test_non_sensitive_requests_are_not_limited(days: int | None) -> None:
    require_duration_within_limit(ask(days), scope(table("profiles", 30)), sensitive=False)


def test_without_a_limit_in_scope_sensitive_requests_may_ask_for_any_duration() -> None:
    require_duration_within_limit(ask(None), scope(table("profiles")), sensitive=True)


@pytest.mark.parametrize("sensitive", [True, False])
def test_a_limit_nobody_can_read_fails_the_request_naming_the_item_and_the_value(sensitive: bool) -> None:
    unreadable = Table(name="profiles", flagged=True, columns=(), invalid_max_duration="30d")
    with pytest.raises(CatalogParameterInvalid) as raised:
        require_duration_within_limit(ask(7), scope(unreadable), sensitive=sensitive)
    assert str(raised.value).startswith(
        'table customers.profiles has max_duration_days="30d", which is not a whole number of days from 1'
    )


def test_an_unreadable_limit_on_the_database_fails_too() -> None:
    database = Database(name="customers", flagged=False, parameters={}, invalid_max_duration="0")
    with pytest.raises(CatalogParameterInvalid, match='database customers has max_duration_days="0"'):
        require_duration_within_limit(ask(7), CatalogScope(database=database, tables=()), sensitive=True)
