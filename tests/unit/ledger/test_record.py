"""The typed ledger record: every projection a reader asks for names fields the record has."""

from __future__ import annotations

import pytest

from lakegate.ledger.record import (
    GRANT_PERIOD_FIELDS,
    LISTING_FIELDS,
    PRIVATE_FIELDS,
    RECORD_FIELDS,
    SUMMARY_FIELDS,
    request_of,
    unknown_fields,
)


@pytest.mark.parametrize("projection", [SUMMARY_FIELDS, LISTING_FIELDS, GRANT_PERIOD_FIELDS, PRIVATE_FIELDS])
def test_every_projection_names_only_record_fields(projection: tuple[str, ...] | frozenset[str]) -> None:
    assert unknown_fields(projection) == []


def test_no_listing_shows_what_could_decide_or_resume_a_request() -> None:
    assert PRIVATE_FIELDS.isdisjoint(SUMMARY_FIELDS)
    assert PRIVATE_FIELDS.isdisjoint(LISTING_FIELDS)


def test_a_misspelt_field_is_named() -> None:
    assert unknown_fields(("status", "decided_bye", "request_id")) == ["decided_bye"]
    assert "decided_by" in RECORD_FIELDS


def test_a_failure_recorded_before_evaluation_has_an_empty_request() -> None:
    assert request_of({"request_id": "r1", "status": "FAILED"}) == {}
    assert request_of({"request": {"database": "sales"}}) == {"database": "sales"}
