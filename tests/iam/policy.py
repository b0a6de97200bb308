"""IAM policy evaluation, for the few forms lakegate's templates use; anything else fails closed.

An Allow counts only when its action, resource and every condition match the request; a condition the
checker does not understand makes the statement count for nothing (and is reported). An explicit Deny
that matches wins over any Allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tests.iam.render import Unrenderable
from tests.iam.templates import Statement, as_list

Render = Callable[[str, Any], str]  # (stack, template value) -> text


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    allowed_by: tuple[str, ...] = ()
    denied_by: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # statements that might apply, but hold what the checker cannot read

    @property
    def allowed(self) -> bool:
        return bool(self.allowed_by) and not self.denied_by


def wildcard_match(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    """IAM's ``*`` (any run of characters) and ``?`` (one character)."""
    return _compiled(pattern, case_sensitive).fullmatch(value) is not None


@cache
def _compiled(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)


def action_matches(pattern: str, action: str) -> bool:
    return wildcard_match(pattern, action, case_sensitive=False)


def decide(statements: Sequence[Statement], request: Request, render: Render) -> Verdict:
    """Whether identity ``statements`` allow ``request``."""
    tally = _Tally()
    for statement in statements:
        tally.weigh(statement, request, render)
    return tally.verdict()


@dataclass
class _Tally:
    """The statements that allow, deny, or cannot be read for one request, as they are weighed."""

    allowed: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    def weigh(self, statement: Statement, request: Request, render: Render) -> bool:
        """Count ``statement``; whether it is an Allow that applies."""
        outcome = _applies(statement, request, render)
        if outcome is None:
            return False
        applies, note = outcome
        where = _where(statement)
        if note:
            self.unresolved.append(f"{where}: {note}")
        elif applies and statement.body.get("Effect") == "Deny":
            self.denied.append(where)
        elif applies and statement.body.get("Effect") == "Allow":
            self.allowed.append(where)
            return True
        return False

    def verdict(self) -> Verdict:
        return Verdict(tuple(self.allowed), tuple(self.denied), tuple(self.unresolved))


class PrincipalMatch:
    DIRECT = "the principal itself"
    ACCOUNT = "its account (IAM policies decide)"


def decide_resource_policy(
    statements: Sequence[Statement],
    request: Request,
    render: Render,
    *,
    principal_arn: str,
    principal_account: str,
    partition: str,
) -> tuple[Verdict, str | None]:
    """Whether a resource policy (key, trust) allows ``principal_arn`` the request, and how it names it.

    The second value is ``PrincipalMatch.DIRECT`` when a matching Allow names the principal, ``ACCOUNT`` when
    it names the principal's account (which then leaves the decision to the principal's IAM policies).
    """
    root = f"arn:{partition}:iam::{principal_account}:root"
    tally = _Tally()
    how: str | None = None
    for statement in statements:
        try:
            principals = _principals(statement, render)
        except Unrenderable as error:
            tally.unresolved.append(f"{_where(statement)}: {error}")
            continue
        if "*" in principals or principal_arn in principals:
            matched = PrincipalMatch.DIRECT
        elif root in principals or principal_account in principals:
            matched = PrincipalMatch.ACCOUNT
        else:
            continue
        if tally.weigh(statement, request, render):
            how = PrincipalMatch.DIRECT if PrincipalMatch.DIRECT in (how, matched) else matched
    return tally.verdict(), how


def _principals(statement: Statement, render: Render) -> set[str]:
    principal = statement.body.get("Principal")
    if principal == "*":
        return {"*"}
    if not isinstance(principal, Mapping):
        return set()
    return {render(statement.stack, value) for value in as_list(principal.get("AWS", []))}


def _applies(statement: Statement, request: Request, render: Render) -> tuple[bool, str] | None:
    """(applies, note) for a statement naming the action; None when it names another action.

    A non-empty note means the statement names the action but holds something the checker cannot read.
    """
    body = statement.body
    if "NotAction" in body or "NotResource" in body or "NotPrincipal" in body:
        return True, "NotAction, NotResource and NotPrincipal are not understood"
    if not any(action_matches(str(pattern), request.action) for pattern in as_list(body.get("Action", []))):
        return None
    notes: list[str] = []
    resource_matched = False
    for resource in as_list(body.get("Resource", "*")):
        try:
            pattern = render(statement.stack, resource)
        except Unrenderable as error:
            notes.append(str(error))
            continue
        if wildcard_match(pattern, request.resource):
            resource_matched = True
            break
    if not resource_matched:
        return (False, "; ".join(notes)) if notes else (False, "")
    conditions = body.get("Condition")
    if not conditions:
        return True, ""
    holds = conditions_hold(conditions, request.context, lambda value: render(statement.stack, value))
    if holds is None:
        return True, f"condition {conditions!r} is not understood"
    return holds, ""


_STRING_OPERATORS: Mapping[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda pattern, value: pattern == value,
    "StringEqualsIgnoreCase": lambda pattern, value: pattern.lower() == value.lower(),
    "StringLike": wildcard_match,
    "ArnEquals": lambda pattern, value: pattern == value,
    "ArnLike": wildcard_match,
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals"}


def conditions_hold(
    conditions: Mapping[str, Any], context: Mapping[str, str], render: Callable[[Any], str]
) -> bool | None:
    """Whether every condition holds for ``context``; None if one uses an operator the checker lacks."""
    keys = {key.lower(): value for key, value in context.items()}
    for operator, block in conditions.items():
        if not isinstance(block, Mapping) or ":" in operator:  # ForAnyValue:/ForAllValues: set operators
            return None
        name = operator.removesuffix("IfExists")
        if_exists = name != operator
        negated = name in _NEGATED
        base = _NEGATED.get(name, name)
        for key, expected in block.items():
            value = keys.get(str(key).lower())
            patterns = [render(item) for item in as_list(expected)]
            if base == "Bool":
                holds = value is not None and value.lower() in (pattern.lower() for pattern in patterns)
                if value is None and if_exists:
                    holds = True
            elif base in _STRING_OPERATORS:
                if value is None:
                    holds = if_exists or negated
                else:
                    matched = any(_STRING_OPERATORS[base](pattern, value) for pattern in patterns)
                    holds = not matched if negated else matched
            else:
                return None
            if not holds:
                return False
    return True


def _where(statement: Statement) -> str:
    sid = statement.body.get("Sid")
    return f"{statement.stack} {statement.where}" + (f" ({sid})" if sid else "")
