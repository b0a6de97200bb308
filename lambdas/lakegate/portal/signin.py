"""Signing in to the portal with Cognito: user name and password, and the first-sign-in new password.

The portal's app client has no secret and allows USER_PASSWORD_AUTH, so the function calls
InitiateAuth and RespondToAuthChallenge for the browser and hands back only the ID token (which the
HTTP API's JWT authorizer checks) and its lifetime. Passwords and tokens are never logged; wrong
credentials and unknown users get one and the same answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from lakegate.core.errors import LakegateError, error_code

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

NEW_PASSWORD_REQUIRED: Final = "NEW_PASSWORD_REQUIRED"
MAX_USERNAME_LENGTH = 128
MAX_PASSWORD_LENGTH = 256
MAX_SESSION_LENGTH = 8192
MAX_BODY_BYTES = 16384
WRONG_CREDENTIALS = "Incorrect username or password."
# Answers that would tell whether a user exists, or why they may not sign in: all become the one above.
_REJECTED = frozenset(
    {
        "NotAuthorizedException",
        "UserNotFoundException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
        "CodeMismatchException",
        "ExpiredCodeException",
    }
)
_BUSY = frozenset({"TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"})


class SignInRejected(LakegateError):
    """Wrong user name or password, or a session that is no longer valid: 401 with one message."""


class SignInInvalid(LakegateError):
    """The sign-in body is malformed, or the new password does not meet the pool's policy: 400."""


class SignInUnavailable(LakegateError):
    """Cognito could not answer (throttled, or an unexpected error): 503, try again later."""


def sign_in_fields(body: str, names: tuple[str, ...]) -> dict[str, str]:
    """The JSON body's ``names``, each a non-empty string within its limit; SignInInvalid otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise SignInInvalid("the request is too large")
    try:
        document = json.loads(body or "null")
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise SignInInvalid(f"send a JSON object with {', '.join(names)}")
    limits = {"username": MAX_USERNAME_LENGTH, "session": MAX_SESSION_LENGTH}
    fields: dict[str, str] = {}
    for name in names:
        value = document.get(name)
        if not isinstance(value, str) or not value.strip():
            raise SignInInvalid(f"{name}: is required")
        if len(value) > limits.get(name, MAX_PASSWORD_LENGTH):
            raise SignInInvalid(f"{name}: is too long")
        fields[name] = value.strip() if name == "username" else value
    return fields


def sign_in(
    cognito: CognitoIdentityProviderClient, *, client_id: str, username: str, password: str
) -> dict[str, Any]:
    """``{"id_token", "expires_in"}``, or ``{"challenge": "NEW_PASSWORD_REQUIRED", "session"}``."""
    try:
        response = cognito.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client_id,
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ClientError as error:
        raise _translated(error) from None
    return _outcome(response)


def set_new_password(
    cognito: CognitoIdentityProviderClient, *, client_id: str, username: str, session: str, new_password: str
) -> dict[str, Any]:
    """Answer the NEW_PASSWORD_REQUIRED challenge; the same outcomes as ``sign_in``."""
    try:
        response = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName=NEW_PASSWORD_REQUIRED,
            Session=session,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
        )
    except ClientError as error:
        raise _translated(error) from None
    return _outcome(response)


def _outcome(response: Mapping[str, Any]) -> dict[str, Any]:
    result = response.get("AuthenticationResult") or {}
    if result.get("IdToken"):
        return {"id_token": result["IdToken"], "expires_in": int(result.get("ExpiresIn") or 3600)}
    challenge = response.get("ChallengeName")
    if challenge == NEW_PASSWORD_REQUIRED and response.get("Session"):
        return {"challenge": NEW_PASSWORD_REQUIRED, "session": response["Session"]}
    raise SignInInvalid(
        f"this account needs a sign-in step the portal does not offer ({challenge or 'none'}); "
        "ask an administrator"
    )


def _translated(error: ClientError) -> LakegateError:
    """The refusal to answer with, without Cognito's own words where they would say too much."""
    code = error_code(error)
    if code in _REJECTED:
        return SignInRejected(WRONG_CREDENTIALS)
    if code == "InvalidPasswordException":
        # The new password breaks the pool's policy: Cognito's message says which rule.
        message = str(error.response.get("Error", {}).get("Message") or "the password is not allowed")
        return SignInInvalid(message)
    if code in _BUSY:
        return SignInUnavailable("too many sign-in attempts just now; wait a minute and try again")
    if code == "InvalidParameterException":
        return SignInInvalid("the sign-in request was not understood")
    return SignInUnavailable(f"sign-in is not possible just now ({code or 'unknown error'}); try again later")
