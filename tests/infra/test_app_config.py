"""LakegateConfig: CDK context in, one validated object out, errors naming the context key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.config import ConfigError, LakegateConfig
from tests.infra.config_context import DEFAULTS, REQUIRED_CONTEXT, config_from

pytestmark = pytest.mark.infra

CDK_JSON = Path(__file__).resolve().parents[2] / "cdk.json"


def test_missing_keys_take_the_documented_defaults() -> None:
    config = config_from({})

    assert config == DEFAULTS
    assert config.central_account_id is None
    assert config.approval_timeout_seconds == 72 * 3600
    assert config.producer_topic_name == "DataLakeSharingApproval"
    assert config.producer_role_name == "ProducerWorkflowRole"
    assert config.approval_publisher_role_name == "LakegateApprovalPublisher"
    assert config.event_bus_name == "lakegate"


def test_cdk_json_documents_every_key_with_its_default() -> None:
    context = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    # The CDK's feature flags (``@aws-cdk/...``) share the context with lakegate's keys.
    lakegate_keys = tuple(key for key in context if not key.startswith("@"))

    assert lakegate_keys == LakegateConfig.context_keys()
    # The one key without a usable default: every deployment names its producers.
    assert context["producer_account_ids"] == []
    with pytest.raises(ConfigError, match="'producer_account_ids': is required"):
        LakegateConfig.from_context(context)
    assert LakegateConfig.from_context({**context, **REQUIRED_CONTEXT}) == DEFAULTS


def test_command_line_strings_are_parsed() -> None:
    # `cdk synth -c key=value` passes every value as a string.
    config = config_from(
        {
            "central_account_id": "111111111111",
            "approval_timeout_hours": "48",
            "producer_account_ids": "222222222222, 333333333333",
            "approver_emails": '["owner@example.com"]',
            "decision_api_rate_limit": "2.5",
            "decision_api_burst_limit": "20",
            "log_retention_days": "30",
            "event_bus_name": "data-sharing.events",
        }
    )

    assert config.central_account_id == "111111111111"
    assert config.approval_timeout_seconds == 48 * 3600
    assert config.producer_account_ids == ("222222222222", "333333333333")
    assert config.approver_emails == ("owner@example.com",)
    assert config.decision_api_rate_limit == 2.5
    assert config.decision_api_burst_limit == 20
    assert config.log_retention_days == 30
    assert config.event_bus_name == "data-sharing.events"


def test_an_empty_central_account_id_means_unset() -> None:
    assert config_from({"central_account_id": ""}).central_account_id is None


def test_context_keys_that_are_not_lakegates_are_ignored() -> None:
    context = {"@aws-cdk/core:newStyleStackSynthesis": True, "aws:cdk:enable-path-metadata": True}

    assert config_from(context) == DEFAULTS


def test_more_mesh_members_than_fit_in_a_functions_environment_are_refused() -> None:
    consumers = [f"{n:012d}" for n in range(1, 201)]

    with pytest.raises(ConfigError, match="more than fit in a function's environment") as raised:
        config_from({"consumer_account_ids": consumers})
    assert raised.value.key == "consumer_account_ids"
    assert config_from({"consumer_account_ids": consumers[:199]}).consumer_account_ids == tuple(
        consumers[:199]
    )


def test_no_consumer_accounts_is_the_default() -> None:
    assert DEFAULTS.consumer_account_ids == ()


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("central_account_id", "12345", "12-digit"),
        ("central_account_id", "11111111111a", "12-digit"),
        ("central_account_id", 111111111111, "must be a string"),
        ("approval_timeout_hours", "three days", "whole number"),
        ("approval_timeout_hours", 1.5, "whole number"),
        ("approval_timeout_hours", True, "whole number"),
        ("approval_timeout_hours", 0, "from 1 to 8760"),
        ("approval_timeout_hours", 8761, "from 1 to 8760"),
        ("approval_reminder_hours", -1, "from 0 to 8759"),
        ("approval_reminder_hours", 2.5, "whole number"),
        ("approval_reminder_hours", 72, "less than approval_timeout_hours (72)"),
        ("producer_account_ids", ["2222"], "12-digit"),
        ("producer_account_ids", [222222222222], "list of strings"),
        ("producer_account_ids", "[222222222222", "valid JSON list"),
        ("producer_account_ids", [], "is required"),
        ("producer_account_ids", "222222222222,222222222222", "more than once"),
        ("consumer_account_ids", ["4444555566667"], "12-digit"),
        ("consumer_account_ids", ["\u0664" * 12], "12-digit"),
        ("consumer_account_ids", 444455556666, "list of strings"),
        ("approver_emails", ["owner"], "email address"),
        ("decision_api_rate_limit", "fast", "number"),
        ("decision_api_rate_limit", 0, "above 0"),
        ("decision_api_burst_limit", 2.5, "whole number"),
        ("portal_rate_limit", "fast", "number"),
        ("portal_rate_limit", 0, "above 0"),
        ("portal_burst_limit", 0, "1"),
        ("log_retention_days", 10, "one of"),
        ("producer_role_name", "not a role name", "IAM role name"),
        ("producer_topic_name", "bad.topic", "letters, digits"),
        ("event_bus_name", "lake gate", "letters, digits"),
        ("event_bus_name", "partner/bus", "letters, digits"),
        ("event_bus_name", "default", "custom bus"),
        ("event_bus_name", "aws.lakegate", "custom bus"),
        ("audit_role_name", "lakegate auditor", "IAM role name"),
        ("user_role_prefix", "lakegate user-", "1-40 IAM role-name characters"),
        ("user_role_prefix", "team/lakegate-user-", "1-40 IAM role-name characters"),
        ("user_role_prefix", "p" * 41, "1-40 IAM role-name characters"),
        ("user_role_prefix", 7, "must be a string"),
        ("portal", "off", "true or false"),
    ],
)
def test_a_bad_value_is_rejected_naming_its_key(key: str, value: Any, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from({key: value})

    assert raised.value.key == key
    assert f"'{key}'" in str(raised.value)
    assert problem in str(raised.value)


def test_the_approver_reminder_defaults_to_a_day_before_the_deadline_and_zero_turns_it_off() -> None:
    assert DEFAULTS.approval_reminder_seconds == 24 * 3600
    assert config_from({"approval_reminder_hours": "0"}).approval_reminder_seconds == 0
    config = config_from({"approval_timeout_hours": "12", "approval_reminder_hours": "2"})
    assert config.approval_reminder_seconds == 2 * 3600


def test_per_user_roles_are_off_by_default_and_a_prefix_turns_them_on() -> None:
    assert DEFAULTS.user_role_prefix == ""
    assert config_from({"user_role_prefix": ""}).user_role_prefix == ""
    assert config_from({"user_role_prefix": "lakegate-user-"}).user_role_prefix == "lakegate-user-"
    assert config_from({"user_role_prefix": "p" * 40}).user_role_prefix == "p" * 40


def test_the_audit_role_has_a_fixed_default_name_that_can_be_changed() -> None:
    assert DEFAULTS.audit_role_name == "LakegateAuditor"
    assert config_from({"audit_role_name": "DataAuditor"}).audit_role_name == "DataAuditor"


def test_the_portal_is_on_by_default_and_false_turns_it_off() -> None:
    assert DEFAULTS.portal is True
    assert config_from({"portal": "false"}).portal is False
    assert config_from({"portal": " True "}).portal is True
