"""IAM policy evaluation as the coverage check does it: wildcards, conditions, Deny, resource policies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.iam.policy import Request, conditions_hold, decide, decide_resource_policy, wildcard_match
from tests.iam.templates import Statement

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/ledger"
ROLE = "arn:aws:iam::123456789012:role/Publisher"


def text(stack: str, value: Any) -> str:
    return str(value)


def statement(**body: Any) -> Statement:
    return Statement("Stack", "policy P", {"Effect": "Allow", **body})


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("arn:aws:glue:us-east-1:1:table/*/*", "arn:aws:glue:us-east-1:1:table/sales/orders", True),
        ("arn:aws:glue:us-east-1:1:table/*/*", "arn:aws:glue:us-east-1:1:database/sales", False),
        ("arn:aws:glue:us-east-1:1:database/*", "arn:aws:glue:us-east-1:1:database/*", True),
        ("arn:aws:datazone:us-east-1:1:domain/d", "*", False),
        ("*", "*", True),
        ("LakeFormation?", "LakeFormationX", True),
    ],
)
def test_wildcards_match_as_iam_matches_them(pattern: str, value: str, matches: bool) -> None:
    assert wildcard_match(pattern, value) is matches


def test_an_allow_needs_its_action_and_resource_and_actions_ignore_case() -> None:
    allow = statement(Action=["dynamodb:GetItem", "kms:GenerateDataKey*"], Resource=[TABLE])
    assert decide([allow], Request("DynamoDB:getitem", TABLE), text).allowed
    assert not decide([allow], Request("dynamodb:PutItem", TABLE), text).allowed
    assert not decide([allow], Request("dynamodb:GetItem", f"{TABLE}-other"), text).allowed
    assert decide([allow], Request("kms:GenerateDataKey", TABLE), text).allowed


def test_an_explicit_deny_wins() -> None:
    allow = statement(Action="sns:Publish", Resource="*")
    deny = statement(Effect="Deny", Action="sns:*", Resource="*")
    verdict = decide([allow, deny], Request("sns:Publish", "arn:aws:sns:us-east-1:1:t"), text)
    assert not verdict.allowed
    assert verdict.denied_by == ("Stack policy P",)


def test_a_condition_counts_only_when_it_holds() -> None:
    allow = statement(
        Action="kms:Decrypt",
        Resource="*",
        Condition={"StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}},
    )
    assert decide(
        [allow], Request("kms:Decrypt", "k", {"kms:ViaService": "sns.us-east-1.amazonaws.com"}), text
    ).allowed
    assert not decide(
        [allow], Request("kms:Decrypt", "k", {"kms:ViaService": "s3.us-east-1.amazonaws.com"}), text
    ).allowed
    assert not decide([allow], Request("kms:Decrypt", "k"), text).allowed


def test_a_condition_the_checker_cannot_read_fails_closed_and_is_reported() -> None:
    allow = statement(
        Action="s3:PutBucketPolicy", Resource="*", Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "x"}}
    )
    verdict = decide([allow], Request("s3:PutBucketPolicy", "arn:aws:s3:::b"), text)
    assert not verdict.allowed
    assert "not understood" in verdict.unresolved[0]


@pytest.mark.parametrize(
    ("operator", "value", "holds"),
    [
        ("StringLike", "LakeFormation-abc", True),
        ("StringLike", "Other", False),
        ("StringLikeIfExists", None, True),
        ("StringLike", None, False),
        ("StringNotEquals", "Other", True),
        ("StringNotEquals", None, True),
    ],
)
def test_string_condition_operators(operator: str, value: str | None, holds: bool) -> None:
    pattern = "LakeFormation*" if "Like" in operator else "LakeFormation"
    context = {} if value is None else {"ram:ResourceShareName": value}
    assert conditions_hold({operator: {"ram:ResourceShareName": [pattern]}}, context, str) is holds


def test_an_unknown_operator_is_not_understood() -> None:
    assert conditions_hold({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {}, str) is None


def test_a_resource_policy_names_the_principal_or_its_account() -> None:
    direct = statement(Principal={"AWS": ROLE}, Action="kms:Decrypt", Resource="*")
    account = statement(Principal={"AWS": "arn:aws:iam::123456789012:root"}, Action="kms:*", Resource="*")
    other = statement(Principal={"AWS": "arn:aws:iam::999999999999:root"}, Action="kms:*", Resource="*")
    request = Request("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k")
    arguments = {"principal_arn": ROLE, "principal_account": "123456789012", "partition": "aws"}

    assert decide_resource_policy([direct], request, text, **arguments)[1] == "the principal itself"
    assert (
        decide_resource_policy([account], request, text, **arguments)[1]
        == "its account (IAM policies decide)"
    )
    assert not decide_resource_policy([other], request, text, **arguments)[0].allowed
