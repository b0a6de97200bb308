"""Permissions lakegate's roles hold although no lakegate code calls them: AWS uses them with the role.

The IAM coverage check (tests/iam) records every AWS call the functions make while the tests run and
fails on any action a role allows that no call needed, unless it is listed here with the reason it stays.
An entry is a claim that a real deployment needs the action although no code path calls it; keep each
one specific, and remove it when the statement it explains goes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakegate.core import manifest
from stacks import permissions

EVERY_FUNCTION = "every function"
EVERY_STATE_MACHINE = "every state machine"
_GRANT = manifest.FUNCTIONS_BY_KEY["grant_access"].handler
_REVOKE = manifest.FUNCTIONS_BY_KEY["revoke_access"].handler
_LAKE_FORMATION_SHARING = (
    "Lake Formation's cross-account grants and revokes: Lake Formation shares the catalog item with the "
    "other account through an AWS RAM share it creates and names itself, and may edit the Data Catalog's "
    "resource policy, with the permissions of the principal granting or revoking (stacks/permissions.py "
    "decides each action against AWS's AWSLakeFormationCrossAccountManager). The functions call only Lake "
    "Formation, and moto's Lake Formation does none of this."
)


@dataclass(frozen=True)
class IndirectPermission:
    """``actions`` (spelt as the roles' statements spell them) that ``holders`` keep, and why."""

    holders: tuple[
        str, ...
    ]  # handlers (``lakegate.handlers.grant_access.handler``), EVERY_FUNCTION, EVERY_STATE_MACHINE
    actions: tuple[str, ...]
    reason: str


INDIRECT_PERMISSIONS: tuple[IndirectPermission, ...] = (
    IndirectPermission(
        holders=(EVERY_FUNCTION,),
        actions=("logs:CreateLogStream", "logs:PutLogEvents"),
        reason="The Lambda service writes the function's logs to its own log group with the function's role "
        "(the statement replaces AWSLambdaBasicExecutionRole).",
    ),
    IndirectPermission(
        holders=(EVERY_FUNCTION,),
        actions=("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
        reason="Added by CDK for active tracing: the Lambda service sends the function's X-Ray segments "
        "with the function's role.",
    ),
    IndirectPermission(
        holders=(EVERY_STATE_MACHINE,),
        actions=(
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies",
            "logs:GetLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:UpdateLogDelivery",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ),
        reason="Added by CDK for the state machine's logging and tracing: Step Functions sets up the "
        "delivery of its events to its log group, and sends its X-Ray traces, with the state machine's role.",
    ),
    IndirectPermission(
        # The revoke function grants too: again, what a request sharing the permission holds.
        holders=(_GRANT, _REVOKE),
        actions=(
            *permissions.SHARE_CREATE_ACTIONS,
            *permissions.SHARE_GRANT_ACTIONS,
            *permissions.SHARE_PERMISSION_ACTIONS,
            *permissions.CATALOG_POLICY_ACTIONS,
        ),
        reason=_LAKE_FORMATION_SHARING,
    ),
    IndirectPermission(
        holders=(_GRANT, _REVOKE),
        actions=(
            *permissions.SHARE_REVOKE_ACTIONS,
            *permissions.SHARE_READ_ACTIONS,
            *permissions.ORGANIZATION_READ_ACTIONS,
        ),
        reason=_LAKE_FORMATION_SHARING,
    ),
    IndirectPermission(
        holders=(_GRANT, _REVOKE),
        actions=("glue:GetDatabase", "glue:GetTable"),
        reason="Lake Formation lets a principal grant or revoke permissions on a database or table only if "
        "the principal may read it in the Data Catalog; the functions do not read the catalog themselves.",
    ),
)


def kept(holder: str, action: str, *, state_machine: bool = False) -> IndirectPermission | None:
    """The entry that keeps ``action`` for ``holder`` (a handler, or any state machine), if one does."""
    every = EVERY_STATE_MACHINE if state_machine else EVERY_FUNCTION
    for entry in INDIRECT_PERMISSIONS:
        if (holder in entry.holders or every in entry.holders) and action.lower() in (
            name.lower() for name in entry.actions
        ):
            return entry
    return None
