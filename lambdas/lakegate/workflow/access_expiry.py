"""Time-bound access: when a grant ends, and the expiry execution that revokes it then.

A request with ``duration_days`` is granted until ``access_expires_at`` = grant time +
``duration_days`` x the length of a day. The length of a day is a setting (``ACCESS_DAY_SECONDS``):
86400 when deployed; the sandbox and the tests compress the clock so that a "day" passes in a
second. At grant time one execution of the access-expiry state machine is started; it waits until
the expiry time and asks the revoke function to revoke exactly the recorded grants.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.errors import error_code, raise_if_transient

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger(child=True)

DAY_SECONDS = 86400
MAX_EXECUTION_NAME_LENGTH = 80
EXPIRY_SUFFIX = "-expiry"
_HASH_LENGTH = 8
# What the state machine's Wait state reads: UTC with an uppercase Z, no fraction.
WAIT_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def access_expires_at(
    granted_at: datetime, duration_days: int, *, day_seconds: int = DAY_SECONDS
) -> datetime:
    """When access granted at ``granted_at`` for ``duration_days`` ends, rounded up to a whole second.

    Rounding up keeps access from ending early when the time is stored to the second.
    """
    if duration_days < 1:
        raise ValueError(f"duration_days must be positive, got {duration_days}")
    if day_seconds < 1:
        raise ValueError(f"day_seconds must be positive, got {day_seconds}")
    end = granted_at.astimezone(UTC) + timedelta(seconds=duration_days * day_seconds)
    if end.microsecond:
        end = end.replace(microsecond=0) + timedelta(seconds=1)
    return end


def wait_timestamp(moment: datetime) -> str:
    """``moment`` as the expiry state machine's ``TimestampPath`` reads it."""
    return moment.astimezone(UTC).strftime(WAIT_TIMESTAMP_FORMAT)


def expiry_reason(duration_days: int) -> str:
    """The reason the ledger records when access ends by itself."""
    return f"access for {duration_days} day{'s' if duration_days != 1 else ''} ended"


def expiry_execution_name(request_id: str) -> str:
    """``<request_id>-expiry``, within the 80 characters of an execution name.

    A longer request id is cut and a hash of the whole id keeps two long ids with the same start
    from sharing one expiry execution (the second would be refused as already existing).
    """
    return suffixed_execution_name(request_id, EXPIRY_SUFFIX)


def suffixed_execution_name(request_id: str, suffix: str) -> str:
    """``<request_id><suffix>`` within the 80 characters of an execution name (see above)."""
    name = request_id + suffix
    if len(name) <= MAX_EXECUTION_NAME_LENGTH:
        return name
    digest = hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    keep = MAX_EXECUTION_NAME_LENGTH - len(suffix) - _HASH_LENGTH - 1
    return f"{request_id[:keep]}-{digest}{suffix}"


@dataclass(frozen=True)
class ExpiryScheduler:
    """Starts the access-expiry state machine for a time-bound grant."""

    state_machine_arn: str
    stepfunctions: SFNClient
    day_seconds: int = DAY_SECONDS

    def expires_at(self, granted_at: datetime, duration_days: int) -> datetime:
        return access_expires_at(granted_at, duration_days, day_seconds=self.day_seconds)

    def schedule(self, request_id: str, *, expires_at: datetime, duration_days: int) -> dict[str, Any]:
        """Start the one expiry execution of ``request_id``; one already started is kept as it is."""
        name = expiry_execution_name(request_id)
        payload = {
            "request_id": request_id,
            "expires_at": wait_timestamp(expires_at),
            "reason": expiry_reason(duration_days),
        }
        try:
            started = self.stepfunctions.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload)
            )
        except ClientError as error:
            if error_code(error) != "ExecutionAlreadyExists":
                raise_if_transient(error, f"starting the expiry execution {name}")
                raise
            # A retry of the grant step: the first attempt scheduled it already.
            logger.info("expiry already scheduled", extra={"request_id": request_id, "execution": name})
            return {"execution_name": name, **payload}
        return {"execution_name": name, "execution_arn": started["executionArn"], **payload}
