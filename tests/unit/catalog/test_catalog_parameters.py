"""Catalog parameters fail closed: any spelling of a name, and no loose reading of a value."""

from __future__ import annotations

from typing import Any

import pytest

from lakegate.catalog.parameters import (
    DurationSetting,
    Flag,
    data_owner,
    max_duration_days,
    pii_flag,
)
from lakegate.core.identifiers import is_account_id


@pytest.mark.parametrize("value", ["yes", "1", "Y", "ture", "", "  ", "no", "0", "truee", "true false"])
def test_a_flag_that_is_neither_true_nor_false_makes_the_item_sensitive(value: str) -> None:
    assert pii_flag({"pii_flag": value}) == Flag(sensitive=True, unclear=value)


@pytest.mark.parametrize("key", ["PII_FLAG", "Pii_Flag", " pii_flag", "pii_flag "])
def test_the_flag_is_found_under_any_case_and_spacing_of_its_name(key: str) -> None:
    assert pii_flag({key: "true"}).sensitive
    assert not pii_flag({key: "false"}).sensitive


def test_two_spellings_that_disagree_count_as_sensitive() -> None:
    assert pii_flag({"pii_flag": "false", "PII_FLAG": "true"}).sensitive
    assert pii_flag({"pii_flag": "false", "PII_FLAG": "perhaps"}) == Flag(sensitive=True, unclear="perhaps")


def test_the_reason_quotes_the_unreadable_value() -> None:
    assert Flag(sensitive=True, unclear="yes").reason("table sales.orders") == (
        'table sales.orders: pii_flag="yes" is not true/false: treated as sensitive'
    )
    assert Flag(sensitive=True).reason("table sales.orders") == "table sales.orders is flagged pii_flag"


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({}, DurationSetting()),
        ({"max_duration_days": "30"}, DurationSetting(days=30)),
        ({"MAX_DURATION_DAYS": " 7 "}, DurationSetting(days=7)),
        ({"max_duration_days": "0"}, DurationSetting(invalid="0")),
        ({"max_duration_days": "30d"}, DurationSetting(invalid="30d")),
        ({"max_duration_days": "1.5"}, DurationSetting(invalid="1.5")),
        ({"max_duration_days": "-3"}, DurationSetting(invalid="-3")),
        ({"max_duration_days": ""}, DurationSetting(invalid="")),
        (
            {"max_duration_days": "\u0663\u0660"},
            DurationSetting(invalid="\u0663\u0660"),
        ),  # Arabic-Indic digits
        ({"max_duration_days": "30", "Max_Duration_Days": "60"}, DurationSetting(invalid="30 / 60")),
    ],
)
def test_a_limit_is_a_whole_number_of_days_from_one_or_it_is_invalid(
    parameters: dict[str, Any], expected: DurationSetting
) -> None:
    assert max_duration_days(parameters) == expected


@pytest.mark.parametrize(
    ("parameters", "valid"),
    [
        ({"data_owner": "222222222222"}, True),
        ({"DATA_OWNER": " 222222222222 "}, True),
        ({"data_owner": "222222222222\n"}, True),  # surrounding whitespace is stripped, as typed
        ({"data_owner": "\u0662" * 12}, False),
        ({"data_owner": "22222222222"}, False),
        ({"data_owner": "222222222222", "Data_Owner": "333333333333"}, False),
        ({}, False),
    ],
)
def test_the_data_owner_is_twelve_ascii_digits_under_any_spelling(
    parameters: dict[str, Any], valid: bool
) -> None:
    assert is_account_id(data_owner(parameters)) is valid


def test_differing_owners_are_named_together() -> None:
    assert (
        data_owner({"data_owner": "222222222222", "Data_Owner": "333333333333"})
        == "222222222222 / 333333333333"
    )
