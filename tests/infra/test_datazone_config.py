"""The DataZone bridge's context keys: defaults, command-line strings, the rules document, bad values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lakegate.datazone.rules import compact_json
from stacks.config import APP_DIR, ConfigError
from tests.infra.config_context import config_from

pytestmark = pytest.mark.infra

DOMAIN = "dzd_test1234"
PRODUCER = "222222222222"
BAD_RULES = {"rules": [{"name": "ok", "decision": "maybe", "not_sensitive": True}]}


def rejected(context: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        config_from(context)
    return raised.value


def test_defaults_leave_the_bridge_off() -> None:
    config = config_from({})

    assert config.datazone_domain_id is None
    assert config.datazone_auto_approval is False
    assert config.datazone_rules_file == "datazone-rules.json"
    assert config.datazone_rules is None
    assert config.datazone_s3_fulfilment is False
    assert config.datazone_fulfilment_role_name == "LakegateS3Fulfilment"
    assert config.datazone_s3_policy_role_name == "LakegateS3PolicyEditor"
    assert config.datazone_bucket_accounts == {}


def test_command_line_strings_are_parsed() -> None:
    rules = {"rules": [{"name": "a", "decision": "approve", "subscriber_projects": ["prj_a"]}]}
    config = config_from(
        {
            "producer_account_ids": PRODUCER,
            "datazone_domain_id": "dzd-abc_123",
            "datazone_auto_approval": "true",
            "datazone_rules": json.dumps(rules),
            "datazone_s3_fulfilment": "false",
            "datazone_bucket_accounts": json.dumps({"sales.data-1": PRODUCER}),
        }
    )

    assert config.datazone_domain_id == "dzd-abc_123"
    assert config.datazone_auto_approval is True
    assert config.datazone_s3_fulfilment is False
    assert config.datazone_rules == rules
    assert config.datazone_rules_json() == compact_json(rules)
    assert config.datazone_bucket_accounts == {"sales.data-1": PRODUCER}


@pytest.mark.parametrize("value", ["TRUE", " True ", True])
def test_true_is_accepted_in_every_spelling(value: Any) -> None:
    config = config_from({"datazone_domain_id": DOMAIN, "datazone_s3_fulfilment": value})

    assert config.datazone_s3_fulfilment is True


def test_an_empty_domain_id_means_unset() -> None:
    assert config_from({"datazone_domain_id": ""}).datazone_domain_id is None


@pytest.mark.parametrize("part", ["datazone_auto_approval", "datazone_s3_fulfilment"])
def test_either_part_needs_the_domain_id(part: str) -> None:
    error = rejected({part: "true"})

    assert error.key == "datazone_domain_id"
    assert "'datazone_domain_id'" in str(error)
    assert "required" in str(error)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("datazone_domain_id", "abc_123", "DataZone domain id"),
        ("datazone_domain_id", "dzd_", "DataZone domain id"),
        ("datazone_domain_id", "dzd.abc", "DataZone domain id"),
        ("datazone_domain_id", "dzd_" + "a" * 37, "DataZone domain id"),
        ("datazone_auto_approval", "yes", "true or false"),
        ("datazone_s3_fulfilment", 1, "true or false"),
        ("datazone_fulfilment_role_name", "not a role", "IAM role name"),
        ("datazone_s3_policy_role_name", "r" * 65, "IAM role name"),
        ("datazone_rules", "[1, 2]", "JSON object"),
        ("datazone_rules", "{not json", "valid JSON object"),
        ("datazone_bucket_accounts", "[]", "JSON object"),
        ("datazone_bucket_accounts", {"Sales_Data": PRODUCER}, "not an S3 bucket name"),
        ("datazone_bucket_accounts", {"ab": PRODUCER}, "not an S3 bucket name"),
        ("datazone_bucket_accounts", {"-sales": PRODUCER}, "not an S3 bucket name"),
        ("datazone_bucket_accounts", {"sales": "2222"}, "12-digit"),
        ("datazone_bucket_accounts", {"sales": 222222222222}, "12-digit"),
    ],
)
def test_a_bad_value_is_rejected_naming_its_key(key: str, value: Any, problem: str) -> None:
    error = rejected({key: value})

    assert error.key == key
    assert f"'{key}'" in str(error)
    assert problem in str(error)


def test_a_bucket_in_an_account_that_is_not_a_producer_is_rejected() -> None:
    error = rejected(
        {"producer_account_ids": [PRODUCER], "datazone_bucket_accounts": {"sales": "333333333333"}}
    )

    assert error.key == "datazone_bucket_accounts"
    assert "'sales'" in str(error) and "333333333333" in str(error)
    assert "producer_account_ids" in str(error)


# --- the rules document --------------------------------------------------------------------------


def approval(**context: Any) -> dict[str, Any]:
    return {"datazone_domain_id": DOMAIN, "datazone_auto_approval": True, **context}


def test_the_default_rules_file_is_read_from_the_app_directory_wherever_synth_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = config_from(approval())
    document = json.loads((APP_DIR / "datazone-rules.json").read_text(encoding="utf-8"))

    assert config.datazone_rules_json() == compact_json(document)


def test_an_inline_rules_error_names_the_key_and_the_field_path() -> None:
    error = rejected(approval(datazone_rules=BAD_RULES))

    assert error.key == "datazone_rules"
    assert "'datazone_rules'" in str(error)
    assert "rules[0].decision" in str(error)


def test_a_rules_file_error_names_the_key_the_file_and_the_field_path(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(json.dumps(BAD_RULES), encoding="utf-8")

    error = rejected(approval(datazone_rules_file=str(rules_file)))

    assert error.key == "datazone_rules_file"
    assert str(rules_file) in str(error)
    assert "rules[0].decision" in str(error)


def test_a_missing_rules_file_names_its_path() -> None:
    error = rejected(approval(datazone_rules_file="no-such-rules.json"))

    assert error.key == "datazone_rules_file"
    assert str(APP_DIR / "no-such-rules.json") in str(error)


def test_a_rules_file_that_is_not_json_is_rejected(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.json"
    rules_file.write_text("{rules: []}", encoding="utf-8")

    error = rejected(approval(datazone_rules_file=str(rules_file)))

    assert error.key == "datazone_rules_file"
    assert str(rules_file) in str(error) and "not valid JSON" in str(error)


def test_inline_rules_take_the_place_of_the_file() -> None:
    rules = {"rules": [{"name": "a", "decision": "reject", "subscriber_projects": ["prj_x"]}]}
    config = config_from(approval(datazone_rules=rules, datazone_rules_file="missing.json"))

    assert config.datazone_rules_json() == compact_json(rules)


def test_rules_too_long_for_the_function_environment_are_rejected() -> None:
    rules = {
        "rules": [
            {"name": f"rule-{index}", "decision": "approve", "subscriber_projects": [f"prj_{index:032d}"]}
            for index in range(60)
        ]
    }
    assert len(compact_json(rules)) > 3500

    error = rejected(approval(datazone_rules=rules))

    assert error.key == "datazone_rules"
    assert "3500" in str(error)


def test_the_rules_are_not_read_while_auto_approval_is_off() -> None:
    config = config_from(
        {"datazone_domain_id": DOMAIN, "datazone_rules_file": "missing.json", "datazone_rules": None}
    )

    assert config.datazone_auto_approval is False
