"""A bucket policy's statements for one DataZone subscription: building, adding and removing them.

A subscription gets two statements, both named after it: ``<base>Objects`` allows ``s3:GetObject``
under the asset's prefix, and ``<base>List`` allows ``s3:ListBucket`` with the ``s3:prefix``
condition limited to that prefix. They cannot be one statement: ``s3:prefix`` is absent from a
GetObject request, so a condition on it would deny the reads (and an ``IfExists`` condition would
allow listing the whole bucket when no prefix is given).

Every other statement is kept as it was: same keys, same order, same values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from lakegate.datazone.listings import S3Location

POLICY_VERSION = "2012-10-17"
_SID_PREFIX = "LakegateDz"

Policy = dict[str, Any]


def sid_base(subscription_id: str) -> str:
    """The Sid stem of a subscription's statements: letters and digits only, one per subscription id.

    Sids allow only ASCII letters and digits; DataZone ids may hold ``_`` and ``-``. Those (and
    the escape letter ``x``) are written as ``x`` and two hex digits, so distinct ids never share a Sid.
    """
    escaped = "".join(
        char if char.isascii() and char.isalnum() and char != "x" else f"x{ord(char):02x}"
        for char in subscription_id
    )
    return f"{_SID_PREFIX}{escaped}"


def subscription_sids(subscription_id: str) -> tuple[str, str]:
    base = sid_base(subscription_id)
    return f"{base}Objects", f"{base}List"


def subscription_statements(
    subscription_id: str, location: S3Location, principals: Iterable[str], *, partition: str = "aws"
) -> list[dict[str, Any]]:
    """The statements letting ``principals`` read and list ``location`` and nothing else of the bucket."""
    if not location.prefix:
        raise ValueError("a subscription statement needs a key prefix; the whole bucket is never shared")
    ordered = sorted(set(principals))
    if not ordered:
        raise ValueError("a subscription statement needs at least one principal")
    principal = {"AWS": ordered[0] if len(ordered) == 1 else ordered}
    objects_sid, list_sid = subscription_sids(subscription_id)
    bucket_arn = f"arn:{partition}:s3:::{location.bucket}"
    return [
        {
            "Sid": objects_sid,
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/{location.prefix}*",
        },
        {
            "Sid": list_sid,
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{location.prefix}*"]}},
        },
    ]


def with_statements(policy: Mapping[str, Any] | None, added: list[dict[str, Any]]) -> Policy:
    """``policy`` with ``added`` in place of any statements of the same Sids (a new policy if none)."""
    sids = {statement["Sid"] for statement in added}
    if policy is None:
        return {"Version": POLICY_VERSION, "Statement": list(added)}
    kept = [statement for statement in statements(policy) if statement.get("Sid") not in sids]
    return {**policy, "Statement": kept + list(added)}


def without_sids(policy: Mapping[str, Any] | None, sids: Iterable[str]) -> Policy | None:
    """``policy`` without the statements of ``sids``; None when no statement is left (delete the policy)."""
    if policy is None:
        return None
    removed = set(sids)
    kept = [statement for statement in statements(policy) if statement.get("Sid") not in removed]
    if not kept:
        return None
    return {**policy, "Statement": kept}


def parse(text: str | None) -> Policy | None:
    """A bucket policy document from GetBucketPolicy's text (None for no policy)."""
    if text is None:
        return None
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("the bucket policy is not a JSON object")
    return document


def render(policy: Mapping[str, Any]) -> str:
    return json.dumps(policy)


def statements(policy: Mapping[str, Any] | None) -> list[Any]:
    """The policy's statements as a list (empty for no policy)."""
    if policy is None:
        return []
    listed = policy.get("Statement", [])
    # A policy may hold a single statement as an object rather than a list.
    return [listed] if isinstance(listed, dict) else list(listed)
