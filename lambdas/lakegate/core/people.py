"""The person behind a per-user IAM role, by the deployment's role-name convention.

Teams give each person their own role (for example the execution role of one data scientist's
notebook), named with a fixed prefix and the user name: with the prefix ``lakegate-user-``, the role
``arn:aws:iam::444455556666:role/lakegate-user-jdoe`` is jdoe's. The same rule reads an STS
assumed-role ARN (``arn:aws:sts::444455556666:assumed-role/lakegate-user-jdoe/session``), which is
how CloudTrail names the caller. An empty prefix means no convention: nobody is named.
"""

from __future__ import annotations

import re

_ROLE = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:(?:iam::\d{12}:role/(?:[\w+=,.@-]+/)*|sts::\d{12}:assumed-role/)"
    r"(?P<name>[\w+=,.@-]{1,64})(?:/[^/]*)?$"
)
_ACCOUNT = re.compile(r"^arn:aws(?:-cn|-us-gov)?:(?:iam|sts)::(?P<account>\d{12}):")


def role_name(arn: str) -> str | None:
    """The role name of an IAM role ARN or an STS assumed-role ARN; None for anything else."""
    match = _ROLE.match(arn.strip())
    return match.group("name") if match else None


def role_account(arn: str) -> str | None:
    """The account id of an IAM or STS ARN."""
    match = _ACCOUNT.match(arn.strip())
    return match.group("account") if match else None


def person_for(arn: str | None, prefix: str) -> str | None:
    """The user name a role's name carries after ``prefix``; None when it does not follow the convention."""
    if not arn or not prefix:
        return None
    name = role_name(arn)
    if name is None or not name.startswith(prefix) or len(name) == len(prefix):
        return None
    return name[len(prefix) :]


def role_arn_of(arn: str) -> str | None:
    """The IAM role ARN behind an STS assumed-role ARN (an IAM role ARN is returned as it is)."""
    text = arn.strip()
    if ":iam::" in text and ":role/" in text:
        return text
    match = re.match(r"^arn:(aws(?:-cn|-us-gov)?):sts::(\d{12}):assumed-role/([\w+=,.@-]{1,64})/", text)
    if match is None:
        return None
    partition, account, name = match.groups()
    return f"arn:{partition}:iam::{account}:role/{name}"
