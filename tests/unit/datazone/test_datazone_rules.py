"""The auto-approval rules document: what a malformed one is told, and which rule decides."""

from __future__ import annotations

from typing import Any

import pytest

from lakegate.datazone.rules import RulesError, SubscriptionFacts, parse_rules, parse_rules_json

TRUSTED = "trusted0project"
OWNER = "owner0project"


def rules(*raw: dict[str, Any]) -> Any:
    return parse_rules({"rules": list(raw)})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], r"the rules document must be a JSON object, got list \[\]"),
        ({}, "rules: must be a list of rules, got nothing"),
        ({"rules": [], "rule": []}, "the rules document: unknown field 'rule'"),
        ({"rules": ["approve"]}, r"rules\[0\]: must be an object, got str 'approve'"),
        ({"rules": [{"decision": "approve", "not_sensitive": True}]}, r"rules\[0\].name: must be 1-64"),
        (
            {"rules": [{"name": "a", "decision": "yes", "not_sensitive": True}]},
            r"rules\[0\].decision: must be 'approve' or 'reject', got 'yes'",
        ),
        ({"rules": [{"name": "a", "decision": "approve"}]}, r"rules\[0\]: needs at least one condition"),
        (
            {"rules": [{"name": "a", "decision": "approve", "not_sensitive": False}]},
            r"rules\[0\].not_sensitive: can only be true",
        ),
        (
            {"rules": [{"name": "a", "decision": "approve", "subscriber_projects": []}]},
            r"rules\[0\].subscriber_projects: must be a non-empty list",
        ),
        (
            {"rules": [{"name": "a", "decision": "approve", "approver_projects": ["ok", "not a project!"]}]},
            r"rules\[0\].approver_projects\[1\]: must be a DataZone project id",
        ),
        (
            {"rules": [{"name": "a", "decision": "approve", "when": {}, "not_sensitive": True}]},
            r"rules\[0\]: unknown field 'when'",
        ),
        (
            {
                "rules": [
                    {"name": "a", "decision": "approve", "not_sensitive": True},
                    {"name": "a", "decision": "reject", "subscriber_projects": ["p1"]},
                ]
            },
            r"rules\[1\].name: 'a' is used by an earlier rule",
        ),
        (
            {"rules": [], "notification_topics": {"p1": "my-topic"}},
            "notification_topics.p1: must be an SNS topic ARN, got 'my-topic'",
        ),
    ],
)
def test_a_malformed_document_is_refused_naming_the_field(document: Any, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        parse_rules(document)


def test_json_that_does_not_parse_says_where() -> None:
    with pytest.raises(RulesError, match="not valid JSON: Expecting ',' delimiter at line 1 column 14"):
        parse_rules_json('{"rules": [] "x": 1}')


def facts(*, approvers: set[str], subscribers: set[str], sensitive: bool | None) -> SubscriptionFacts:
    return SubscriptionFacts(frozenset(approvers), frozenset(subscribers), sensitive, ("email is flagged",))


def test_reject_rules_are_weighed_before_approve_rules_whatever_the_file_order() -> None:
    document = rules(
        {"name": "trusted", "decision": "approve", "subscriber_projects": [TRUSTED]},
        {
            "name": "no-sensitive-to-anyone",
            "decision": "reject",
            "subscriber_projects": [TRUSTED],
            "not_sensitive": True,
        },
    )
    # Every condition of the reject rule holds only for non-sensitive data; here the data is sensitive.
    assert (
        document.evaluate(facts(approvers={OWNER}, subscribers={TRUSTED}, sensitive=True)).rule.name
        == "trusted"
    )
    assert (
        document.evaluate(facts(approvers={OWNER}, subscribers={TRUSTED}, sensitive=False)).rule.name
        == "no-sensitive-to-anyone"
    )


def test_a_project_rule_needs_every_listing_owner_or_subscriber_in_its_list() -> None:
    document = rules({"name": "owner-self-serve", "decision": "approve", "approver_projects": [OWNER]})

    mixed = document.evaluate(
        facts(approvers={OWNER, "other0project"}, subscribers={TRUSTED}, sensitive=None)
    )

    assert mixed.rule is None
    assert mixed.not_applied == (
        "owner-self-serve: approving project other0project, owner0project is not in its list",
    )


def test_a_user_subscriber_never_matches_a_project_rule() -> None:
    document = rules({"name": "trusted", "decision": "approve", "subscriber_projects": [TRUSTED]})

    verdict = document.evaluate(facts(approvers={OWNER}, subscribers={"user:abc"}, sensitive=False))

    assert verdict.rule is None


def test_unknown_sensitivity_never_counts_as_not_sensitive() -> None:
    document = rules({"name": "open", "decision": "approve", "not_sensitive": True})

    verdict = document.evaluate(facts(approvers={OWNER}, subscribers={TRUSTED}, sensitive=None))

    assert verdict.not_applied == ("open: sensitivity unknown: email is flagged",)


def test_the_topic_is_the_subscribers_own_or_the_default() -> None:
    topic = "arn:aws:sns:eu-west-1:123456789012:marketing"
    document = parse_rules({"rules": [], "notification_topics": {TRUSTED: topic}})

    assert document.topic_for([TRUSTED], "default") == topic
    assert document.topic_for(["other0project"], "default") == "default"


def test_the_shipped_rules_file_is_valid() -> None:
    with open("datazone-rules.json", encoding="utf-8") as shipped:
        document = parse_rules_json(shipped.read())
    assert [(rule.name, rule.decision, rule.not_sensitive) for rule in document.rules] == [
        ("non-sensitive-glue-tables", "approve", True)
    ]
