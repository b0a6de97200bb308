"""The access-request workflow as the CLI sees it: executions named after requests, and their records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lakegate.ledger import Status

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

# A request with one of these statuses may still be decided or granted; any other status has ended
# (GRANTED, DENIED, EXPIRED, FAILED, or one added later such as REVOKED).
IN_PROGRESS = frozenset({Status.RECEIVED.value, Status.PENDING_APPROVAL.value, Status.APPROVED.value})
# Ledger fields never shown: the hash of the link's secret and the token that resumes the workflow.
PRIVATE_FIELDS = frozenset({"secret_hash", "secret_hashes", "task_token"})


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives the execution ``name`` of the state machine."""
    parts = state_machine_arn.split(":")
    if len(parts) != 7 or parts[5] != "stateMachine":
        raise ValueError(f"not a state machine ARN: {state_machine_arn}")
    return ":".join([*parts[:5], "execution", parts[6], name])


def describe_execution(sfn: SFNClient, arn: str) -> dict[str, Any] | None:
    """The execution, or None when there is none with that ARN."""
    try:
        return dict(sfn.describe_execution(executionArn=arn))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
            return None
        raise


def public_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A ledger record without the fields that could decide or resume a request."""
    return {key: value for key, value in record.items() if key not in PRIVATE_FIELDS}
