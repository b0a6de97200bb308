"""Exit codes and the one-line errors the CLI prints instead of tracebacks."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)

OK = 0
FAILED = 1  # the operation was refused or did not succeed (a failed request, a refused decision)
USAGE = 2  # bad arguments or an invalid request (argparse uses 2 as well)
AWS_UNREACHABLE = 3  # AWS (or the sandbox) could not be reached, authenticated against, or found set up
INTERRUPTED = 130  # Ctrl-C, as shells report it

# Error codes meaning the caller's credentials or permissions are the problem, not the operation.
_ACCESS_ERROR_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)


class CliError(Exception):
    """A failure to report as one line on stderr, with the exit code it stands for.

    ``document`` is what ``--json`` prints on stdout for it (by default ``{"error": message}``).
    """

    def __init__(
        self, message: str, exit_code: int = FAILED, *, document: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.document = document if document is not None else {"error": message, "exit_code": exit_code}


def from_aws_error(error: BotoCoreError | ClientError) -> CliError:
    """A CliError saying what went wrong talking to AWS and what to do about it."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", "")).strip()
        operation = error.operation_name
        if code in _ACCESS_ERROR_CODES:
            return CliError(
                f"AWS refused {operation}: {code}: {message}; check --profile, --region and your permissions",
                AWS_UNREACHABLE,
            )
        return CliError(f"{operation} failed: {code}: {message}", FAILED)
    if isinstance(error, ProfileNotFound):
        return CliError(f"{error}; list profiles with: aws configure list-profiles", AWS_UNREACHABLE)
    if isinstance(error, NoRegionError):
        return CliError("no AWS region: pass --region or set one for the profile", AWS_UNREACHABLE)
    if isinstance(
        error,
        NoCredentialsError
        | PartialCredentialsError
        | CredentialRetrievalError
        | SSOError
        | TokenRetrievalError,
    ):
        return CliError(
            f"no usable AWS credentials ({error}); pass --profile, run aws configure or aws sso login, "
            "or for the sandbox pass --endpoint-url",
            AWS_UNREACHABLE,
        )
    if isinstance(
        error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError
    ):
        return CliError(
            f"could not reach AWS: {error}; check your network, or --endpoint-url (is the sandbox running?)",
            AWS_UNREACHABLE,
        )
    return CliError(f"AWS call failed: {error}", AWS_UNREACHABLE)
