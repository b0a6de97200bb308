"""Producers' maximum duration for sensitive items: the max_duration_days catalog parameter."""

from __future__ import annotations

import logging

import pytest

from lakegate.catalog.duration_limit import DurationLimit, duration_limit, require_duration_within_limit
from lakegate.catalog.reader import CatalogScope, Database, Table, max_duration_days
from lakegate.core.errors import InvalidRequest
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


@pytest.mark.parametrize(("raw", "expected"), [("30", 30), (" 7 ", 7), ("", None), (None, None)])
def test_the_parameter_is_read_as_a_whole_number_of_days(raw: str | None, expected: int | None) -> None:
    parameters = {} if raw is None else {"max_duration_days": raw}
    assert max_duration_days(parameters, "table customers.profiles") == expected


@pytest.mark.parametrize("raw", ["thirty", "0", "-5", "2.5"])
def test_a_malformed_parameter_is_ignored_with_a_warning(raw: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert max_duration_days({"max_duration_days": raw}, "table customers.profiles") is None
    assert any("ignoring max_duration_days" in record.getMessage() for record in caplog.records)
