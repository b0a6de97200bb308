"""An API Gateway HTTP API JWT authorizer, for the sandbox's portal routes.

In AWS the HTTP API checks the ``Authorization`` header of every ``/portal/app/`` request before the
portal function sees it: the token's signature against the issuer's JWKS, its ``iss``, its audience
(the app client id), that it has not expired (nor is from the future); here the token must also be a
Cognito ID token (``token_use`` ``id``), which is what the portal sends. On success the function
receives the claims in ``requestContext.authorizer.jwt.claims`` (``lakegate_offline.http_api``), every value a
string as API Gateway passes them (``cognito:groups`` becomes ``"[consumers owners]"``); otherwise the
caller gets 401 ``{"message":"Unauthorized"}`` and the function is never invoked.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ("RS256",)
_BEARER = re.compile(r"^bearer(\s+|$)", re.IGNORECASE)
# Plain HTTP to the local emulator, never through a proxy from the environment.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Unauthorized(Exception):
    """The request carries no token, or one the authorizer refuses; the message says which."""


@dataclass(frozen=True)
class JwtAuthorizer:
    """Verifies bearer tokens as an HTTP API JWT authorizer configured with ``issuer`` and ``audience``."""

    issuer: str
    audience: str
    keys: KeySet

    def authorize(self, authorization: str | None, *, now: int | None = None) -> dict[str, str]:
        """The claims API Gateway passes the function (``jwt_claims``); raises ``Unauthorized`` otherwise."""
        token = _token_from(authorization)
        try:
            decoded = jwt.decode(token, self.keys, algorithms=list(ALGORITHMS))
            jwt.JWTClaimsRegistry(
                now=now,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                token_use={"essential": True, "value": "id"},
            ).validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as error:  # malformed input is not always a JoseError
            raise Unauthorized(f"{type(error).__name__}: {error}") from error
        return api_gateway_claims(decoded.claims)


def _token_from(authorization: str | None) -> str:
    """The token of an ``Authorization`` header; API Gateway accepts it with or without ``Bearer``."""
    value = _BEARER.sub("", (authorization or "").strip(), count=1).strip()
    if not value:
        raise Unauthorized("no token in an Authorization header")
    return value


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway puts them in the event: strings, arrays as ``[a b]``, nulls left out."""
    return {name: _claim_text(value) for name, value in claims.items() if value is not None}


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def cognito_jwks(endpoint: str, pool_id: str, region: str) -> KeySet:
    """The pool's public keys from the emulator's ``/<pool id>/.well-known/jwks.json``.

    moto serves them on its one endpoint and recognises the request as Cognito's by the credential
    scope of an ``Authorization`` header.
    """
    request = urllib.request.Request(
        f"{endpoint}/{pool_id}/.well-known/jwks.json",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 "
            f"Credential=sandbox/20240101/{region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0"
        },
    )
    with _http.open(request, timeout=10) as response:
        return KeySet.import_key_set(json.load(response))
