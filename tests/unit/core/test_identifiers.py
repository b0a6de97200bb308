"""Strict identifiers: twelve ASCII digits, role ARNs of a known partition, nothing that looks alike."""

from __future__ import annotations

import pytest

from lakegate.core.identifiers import RoleArn, current_partition, is_account_id, partition_of, role_arn


@pytest.mark.parametrize("value", ["444455556666", "000000000000"])
def test_twelve_ascii_digits_are_an_account_id(value: str) -> None:
    assert is_account_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "444455556666\n",  # Python's $ matches before a final newline
        "\u0664" * 12,  # twelve Arabic-Indic digits match \d
        "\uff14" * 12,  # twelve fullwidth digits too
        " 444455556666",
        "44445555666",
        "4444555566667",
        444455556666,
        None,
    ],
)
def test_anything_else_is_not(value: object) -> None:
    assert not is_account_id(value)


def test_a_role_arn_is_read_into_its_parts() -> None:
    assert role_arn("arn:aws-cn:iam::444455556666:role/team/Analyst") == RoleArn(
        partition="aws-cn", account_id="444455556666", path="team/", name="Analyst"
    )


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::444455556666:role/Analyst\n",
        "arn:aws:iam::" + "\u0664" * 12 + ":role/Analyst",
        "arn:aws:iam::444455556666:user/Analyst",
        "arn:aws-iso:iam::444455556666:role/Analyst",
        "arn:aws:sts::444455556666:assumed-role/Analyst/session",
    ],
)
def test_look_alike_role_arns_are_not_role_arns(value: str) -> None:
    assert role_arn(value) is None


def test_the_partition_follows_the_region(monkeypatch: pytest.MonkeyPatch) -> None:
    assert partition_of("eu-west-1") == "aws"
    assert partition_of("cn-north-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"
    monkeypatch.setenv("AWS_REGION", "cn-northwest-1")
    assert current_partition() == "aws-cn"
