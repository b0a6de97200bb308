"""Auto-approval rules for SageMaker Catalog (DataZone) subscription requests: format and evaluation.

The rules document is validated when the app is synthesized and again when the function loads, so a
malformed rule never reaches a subscriber. Every error names the field by its path in the document
(``rules[2].decision``) and says what was wrong.

Reject rules are evaluated before approve rules, each group in file order; the first rule whose
conditions all hold decides. When none holds, the request is left for a person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Decision = Literal["approve", "reject"]
DECISIONS: tuple[Decision, ...] = ("approve", "reject")

_RULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# DataZone project identifiers (API reference: ^[a-zA-Z0-9_-]{1,36}$).
_PROJECT_ID = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")
_TOPIC_ARN = re.compile(r"^arn:aws(?:-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
_CONDITIONS = ("approver_projects", "subscriber_projects", "not_sensitive")
_RULE_FIELDS = frozenset({"name", "decision", "comment", *_CONDITIONS})
_DOCUMENT_FIELDS = frozenset({"rules", "notification_topics"})
MAX_COMMENT_LENGTH = 500  # leaves room for the rule name in DataZone's 4096-character decisionComment


class RulesError(ValueError):
    """The rules document is malformed; the message names the field by its path."""


@dataclass(frozen=True)
class Rule:
    """One rule: a decision, and conditions that must all hold for it to apply."""

    name: str
    decision: Decision
    comment: str | None = None
    approver_projects: frozenset[str] | None = None  # the project owning every requested listing
    subscriber_projects: frozenset[str] | None = None  # every subscribing project
    not_sensitive: bool = False  # every listing is a Glue table with nothing flagged pii_flag

    def describe(self) -> str:
        """The rule as the decision comment and the notification state it."""
        conditions = []
        if self.approver_projects is not None:
            conditions.append("the approving project is " + _one_of(self.approver_projects))
        if self.subscriber_projects is not None:
            conditions.append("the subscribing project is " + _one_of(self.subscriber_projects))
        if self.not_sensitive:
            conditions.append("no requested listing is sensitive")
        return " and ".join(conditions)


@dataclass(frozen=True)
class SubscriptionFacts:
    """What the rules look at in one subscription request."""

    approver_projects: frozenset[str]
    subscriber_projects: frozenset[str]
    # None when sensitivity could not be established (a listing that is not a readable Glue table).
    sensitive: bool | None
    sensitivity_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The rule that decided, or None with the reason each rule did not apply."""

    rule: Rule | None
    not_applied: tuple[str, ...] = ()


@dataclass(frozen=True)
class AutoApprovalRules:
    rules: tuple[Rule, ...]
    notification_topics: Mapping[str, str]  # subscribing project id -> SNS topic ARN

    def evaluate(self, facts: SubscriptionFacts) -> Verdict:
        """The first reject rule that holds, else the first approve rule that holds, else no rule."""
        ordered = [rule for rule in self.rules if rule.decision == "reject"]
        ordered += [rule for rule in self.rules if rule.decision == "approve"]
        not_applied = []
        for rule in ordered:
            failed = _failed_condition(rule, facts)
            if failed is None:
                return Verdict(rule=rule)
            not_applied.append(f"{rule.name}: {failed}")
        return Verdict(rule=None, not_applied=tuple(not_applied))

    def topic_for(self, subscriber_projects: Sequence[str], default: str) -> str:
        """The topic of the first subscribing project that has one, else ``default``."""
        return next(
            (self.notification_topics[p] for p in subscriber_projects if p in self.notification_topics),
            default,
        )


def _failed_condition(rule: Rule, facts: SubscriptionFacts) -> str | None:
    if rule.approver_projects is not None and not (
        facts.approver_projects and facts.approver_projects <= rule.approver_projects
    ):
        return f"approving project {_listed(facts.approver_projects)} is not in its list"
    if rule.subscriber_projects is not None and not (
        facts.subscriber_projects and facts.subscriber_projects <= rule.subscriber_projects
    ):
        return f"subscribing project {_listed(facts.subscriber_projects)} is not in its list"
    if rule.not_sensitive and facts.sensitive is not False:
        if facts.sensitive is None:
            return "sensitivity unknown: " + "; ".join(facts.sensitivity_reasons)
        return "sensitive: " + "; ".join(facts.sensitivity_reasons)
    return None


def parse_rules(document: Any) -> AutoApprovalRules:
    """Validate a rules document (the parsed JSON) and build the rules."""
    if not isinstance(document, Mapping):
        raise RulesError(f"the rules document must be a JSON object, got {_kind(document)}")
    _no_unknown_fields(document, _DOCUMENT_FIELDS, "the rules document")
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, list):
        raise RulesError(f"rules: must be a list of rules, got {_kind(raw_rules)}")
    rules = tuple(_rule(raw, f"rules[{index}]") for index, raw in enumerate(raw_rules))
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.name in seen:
            raise RulesError(
                f"rules[{index}].name: {rule.name!r} is used by an earlier rule; names must be unique"
            )
        seen.add(rule.name)
    return AutoApprovalRules(
        rules=rules, notification_topics=_topics(document.get("notification_topics", {}))
    )


def parse_rules_json(text: str) -> AutoApprovalRules:
    """Validate a rules document given as JSON text."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RulesError(
            f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    return parse_rules(document)


def compact_json(document: Any) -> str:
    """The validated document as compact JSON, the form the function's environment carries."""
    parse_rules(document)
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def _rule(raw: Any, path: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise RulesError(f"{path}: must be an object, got {_kind(raw)}")
    _no_unknown_fields(raw, _RULE_FIELDS, path)
    name = raw.get("name")
    if not isinstance(name, str) or not _RULE_NAME.match(name):
        raise RulesError(
            f"{path}.name: must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit, "
            f"got {name!r}"
        )
    decision = raw.get("decision")
    if decision not in DECISIONS:
        raise RulesError(f"{path}.decision: must be 'approve' or 'reject', got {decision!r}")
    comment = raw.get("comment")
    if comment is not None and (not isinstance(comment, str) or not 0 < len(comment) <= MAX_COMMENT_LENGTH):
        raise RulesError(f"{path}.comment: must be text of 1 to {MAX_COMMENT_LENGTH} characters")
    not_sensitive = raw.get("not_sensitive", False)
    if "not_sensitive" in raw and not_sensitive is not True:
        raise RulesError(
            f"{path}.not_sensitive: can only be true (leave it out otherwise), got {not_sensitive!r}"
        )
    if not any(field in raw for field in _CONDITIONS):
        raise RulesError(f"{path}: needs at least one condition: {', '.join(_CONDITIONS)}")
    return Rule(
        name=name,
        decision=decision,
        comment=comment,
        approver_projects=_projects(raw, "approver_projects", path),
        subscriber_projects=_projects(raw, "subscriber_projects", path),
        not_sensitive=not_sensitive,
    )


def _projects(raw: Mapping[str, Any], field: str, path: str) -> frozenset[str] | None:
    if field not in raw:
        return None
    values = raw[field]
    if not isinstance(values, list) or not values:
        raise RulesError(f"{path}.{field}: must be a non-empty list of DataZone project ids, got {values!r}")
    for index, value in enumerate(values):
        if not isinstance(value, str) or not _PROJECT_ID.match(value):
            raise RulesError(
                f"{path}.{field}[{index}]: must be a DataZone project id (1-36 letters, digits, '_' or '-'), "
                f"got {value!r}"
            )
    return frozenset(values)


def _topics(raw: Any) -> Mapping[str, str]:
    if not isinstance(raw, Mapping):
        raise RulesError(
            f"notification_topics: must be an object of project id to topic ARN, got {_kind(raw)}"
        )
    for project, arn in raw.items():
        if not _PROJECT_ID.match(project):
            raise RulesError(f"notification_topics: {project!r} is not a DataZone project id")
        if not isinstance(arn, str) or not _TOPIC_ARN.match(arn):
            raise RulesError(f"notification_topics.{project}: must be an SNS topic ARN, got {arn!r}")
    return dict(raw)


def _no_unknown_fields(raw: Mapping[str, Any], known: frozenset[str], path: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RulesError(
            f"{path}: unknown field {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}"
        )


def _one_of(values: frozenset[str]) -> str:
    return _listed(values) if len(values) == 1 else f"one of {_listed(values)}"


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "(none)"


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"
