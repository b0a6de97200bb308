"""Strict AWS identifiers: the one account-id check and role-ARN check every entry point uses.

Twelve ASCII digits exactly: Python's ``\\d`` also takes other scripts' digits and ``$`` a trailing
newline, so neither is used. A role ARN must be in the deployment's partition.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
# arn:<partition>:iam::<account>:role/<optional path/><name>; partition, path and name as IAM allows.
_ROLE_ARN = re.compile(
    r"arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/((?:[A-Za-z0-9+=,.@_-]+/)*)([A-Za-z0-9+=,.@_-]{1,64})"
)
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"))


def is_account_id(value: object) -> bool:
    """Whether ``value`` is a string of exactly twelve ASCII digits."""
    return isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) is not None


def partition_of(region: str) -> str:
    """The partition of a region: aws-cn for cn-*, aws-us-gov for us-gov-*, aws otherwise."""
    return next((partition for prefix, partition in _PARTITIONS if region.startswith(prefix)), "aws")


def current_partition() -> str:
    """The partition this process runs in, from the region Lambda sets (``AWS_REGION``)."""
    return partition_of(os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "")


@dataclass(frozen=True)
class RoleArn:
    partition: str
    account_id: str
    path: str
    name: str


def role_arn(value: object) -> RoleArn | None:
    """The parts of an IAM role ARN, or None for anything else (a trailing newline included)."""
    if not isinstance(value, str):
        return None
    match = _ROLE_ARN.fullmatch(value)
    if match is None:
        return None
    return RoleArn(partition=match[1], account_id=match[2], path=match[3], name=match[4])
