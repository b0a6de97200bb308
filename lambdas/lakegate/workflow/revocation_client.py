"""Asking the revoke function to revoke a request: only that function may revoke in Lake Formation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from lakegate.core.errors import LakegateError, RequestNotFound, RequestStateConflict, TransientAwsError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class RevocationFailed(LakegateError):
    """The revoke function failed for a reason other than the request's state."""


class Revoker(Protocol):
    def revoke(self, request_id: str, *, by: str, reason: str) -> dict[str, Any]: ...


# The revoke function's error names (exception classes), as lakegate raises them here.
_ERRORS: dict[str, type[LakegateError]] = {
    "RequestStateConflict": RequestStateConflict,
    "RequestNotFound": RequestNotFound,
    "TransientAwsError": TransientAwsError,
}


class RevokeFunction:
    """Invokes the revoke function synchronously and turns its errors back into lakegate's."""

    def __init__(self, function_name: str, *, lambda_client: LambdaClient) -> None:
        self.function_name = function_name
        self._lambda = lambda_client

    def revoke(self, request_id: str, *, by: str, reason: str) -> dict[str, Any]:
        response = self._lambda.invoke(
            FunctionName=self.function_name,
            Payload=json.dumps({"request_id": request_id, "by": by, "reason": reason}).encode("utf-8"),
        )
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            error = _ERRORS.get(str(payload.get("errorType")), RevocationFailed)
            raise error(str(payload.get("errorMessage") or "the revoke function failed"))
        result: dict[str, Any] = payload
        return result
