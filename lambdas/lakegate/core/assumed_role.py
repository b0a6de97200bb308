"""Clients that act with a role assumed in another account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient


def assumed_client(
    service: str, *, role_arn: str, session_name: str, sts: STSClient, region: str | None
) -> Any:
    """A ``service`` client acting as ``role_arn``; AssumeRole's ClientError propagates."""
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def session_name(identifier: str) -> str:
    """``lakegate-<identifier>`` as a role session name (2-64 of [\\w+=,.@-]); CloudTrail shows it."""
    safe = "".join(char if char.isalnum() or char in "+=,.@-_" else "-" for char in identifier)
    return f"lakegate-{safe}"[:64]
