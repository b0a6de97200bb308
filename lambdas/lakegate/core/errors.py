"""The errors lakegate raises.

Lambda reports an exception's class name as the error name, so these names are what the
state machine's Retry and Catch match and what a failed execution shows.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

# Error codes AWS returns for conditions that pass if the call is tried again later.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ConcurrentModificationException",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceException",
        "OperationTimeoutException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "TransactionConflictException",
    }
)


class LakegateError(Exception):
    """Base of every error lakegate raises on purpose; the message is the cause a person reads."""


class InvalidRequest(LakegateError):
    """The execution input is malformed; the message names the field."""


class CatalogItemNotFound(LakegateError):
    """The requested database, table or column is not in the Glue Data Catalog."""


class DataOwnerMissing(LakegateError):
    """The database has no usable `data_owner` parameter, so nobody can approve."""


class DataOwnerInvalid(LakegateError):
    """The database's `data_owner` parameter is not a 12-digit account id."""


class CatalogParameterInvalid(LakegateError):
    """A catalog parameter lakegate reads holds a value it cannot read; the message names the item,
    the parameter and the value."""


class ApprovalRequestFailed(LakegateError):
    """The data owner could not be asked (producer role or topic unreachable)."""


class GrantFailed(LakegateError):
    """Lake Formation refused a grant; nothing from this attempt is left granted."""


class RequestNotFound(LakegateError):
    """The ledger has no record of the request."""


class RequestStateConflict(LakegateError):
    """The ledger's status does not allow this step (for example a grant before approval)."""


class InvalidEvent(LakegateError):
    """An EventBridge event is not the one the function handles; the message names the field."""


class TransientAwsError(LakegateError):
    """An AWS call failed in a way that retrying later can fix; the state machine retries it."""


def error_code(error: ClientError) -> str:
    """The AWS error code of a ClientError, or an empty string."""
    return str(error.response.get("Error", {}).get("Code", ""))


def is_transient(error: ClientError) -> bool:
    """Whether an AWS error is worth retrying with backoff."""
    return error_code(error) in TRANSIENT_ERROR_CODES


def raise_if_transient(error: ClientError, doing: str) -> None:
    """Re-raise a transient AWS error as TransientAwsError, so the workflow retries it."""
    if is_transient(error):
        raise TransientAwsError(f"{doing}: {error_code(error)}, will retry") from error
