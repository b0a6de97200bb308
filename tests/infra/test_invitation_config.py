"""The context keys of the consumer stack and the stale-invitation report: defaults, strings, bad values."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config import ConfigError
from tests.infra.config_context import config_from

pytestmark = pytest.mark.infra


def test_defaults() -> None:
    config = config_from({})

    assert config.invitation_check_minutes == 15
    assert config.resource_link_prefix == "shared_"
    assert config.resource_link_database == "lakegate_shared"
    assert config.stale_invitation_hours == 6


def test_command_line_strings_are_parsed() -> None:
    config = config_from(
        {
            "invitation_check_minutes": "60",
            "resource_link_prefix": "from_central_",
            "resource_link_database": "shared_with_us",
            "stale_invitation_hours": "9",
        }
    )

    assert config.invitation_check_minutes == 60
    assert config.resource_link_prefix == "from_central_"
    assert config.resource_link_database == "shared_with_us"
    assert config.stale_invitation_hours == 9


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("invitation_check_minutes", 0, "from 1 to 1440"),
        ("invitation_check_minutes", "often", "whole number"),
        ("resource_link_prefix", "", "lower-case letters"),
        ("resource_link_prefix", "Shared_", "lower-case letters"),
        ("resource_link_prefix", "shared-", "lower-case letters"),
        ("resource_link_database", "1shared", "database name"),
        ("resource_link_database", "x" * 256, "database name"),
        ("stale_invitation_hours", 0, "from 1 to 168"),
        ("stale_invitation_hours", 169, "from 1 to 168"),
    ],
)
def test_a_bad_value_is_rejected_naming_its_key(key: str, value: Any, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from({key: value})

    assert raised.value.key == key
    assert problem in str(raised.value)
