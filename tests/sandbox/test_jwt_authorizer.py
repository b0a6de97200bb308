"""The sandbox's JWT authorizer refuses what API Gateway's refuses and passes claims as API Gateway does.

Pure unit tests: tokens are signed with a key made here (and, once, by moto's Cognito), and the web
server's portal routes are driven with a stand-in portal function; no sandbox process is started.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from moto import mock_aws
from moto.utilities.utils import load_resource

from lakegate_offline.mesh import REGION
from lakegate_offline.user_pool import create_user, create_user_pool
from lakegate_sandbox.jwt_authorizer import JwtAuthorizer, Unauthorized, api_gateway_claims
from lakegate_sandbox.outbox import Outbox
from lakegate_sandbox.web import Portal, SandboxWeb

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_portal"
CLIENT_ID = "portalclient"
SIGNING_KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1", "alg": "RS256"})
PUBLIC_KEYS = KeySet([RSAKey.import_key(SIGNING_KEY.as_dict(private=False))])
AUTHORIZER = JwtAuthorizer(issuer=ISSUER, audience=CLIENT_ID, keys=PUBLIC_KEYS)


def id_token(**changes: Any) -> str:
    """A Cognito-shaped ID token for ``consumer``, with ``changes`` to its claims (None removes one)."""
    return signed(claims(**changes))


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "8f1c2f0e-0000-4000-8000-000000000001",
        "aud": CLIENT_ID,
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "cognito:username": "consumer",
        "email": "consumer@example.com",
        "email_verified": True,
        "cognito:groups": ["consumers", "owners"],
        "custom:consumer_account": "444455556666",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def signed(values: dict[str, Any], key: RSAKey = SIGNING_KEY, *, kid: str = "key-1") -> str:
    return jwt.encode({"alg": "RS256", "kid": kid}, values, key)


def refused(authorization: str | None) -> str:
    with pytest.raises(Unauthorized) as refusal:
        AUTHORIZER.authorize(authorization)
    return str(refusal.value)


def test_a_valid_id_token_passes_its_claims_as_api_gateway_does() -> None:
    token = id_token()
    claims = AUTHORIZER.authorize(f"Bearer {token}")
    assert claims["cognito:username"] == "consumer"
    assert claims["cognito:groups"] == "[consumers owners]"
    assert claims["custom:consumer_account"] == "444455556666"
    assert claims["email_verified"] == "true"
    assert claims["exp"] == str(json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"])
    assert all(isinstance(value, str) for value in claims.values())


def test_the_bearer_prefix_is_optional_and_case_insensitive() -> None:
    token = id_token()
    assert AUTHORIZER.authorize(token)["cognito:username"] == "consumer"
    assert AUTHORIZER.authorize(f"bearer  {token}")["cognito:username"] == "consumer"


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   "])
def test_a_missing_header_or_token_is_refused(authorization: str | None) -> None:
    assert "no token" in refused(authorization)


def test_a_token_for_another_client_is_refused() -> None:
    refused(f"Bearer {id_token(aud='another-client')}")


def test_a_token_from_another_issuer_is_refused() -> None:
    refused(f"Bearer {id_token(iss='https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other')}")


def test_an_expired_token_is_refused() -> None:
    now = int(time.time())
    assert "ExpiredTokenError" in refused(f"Bearer {id_token(iat=now - 7200, exp=now - 1)}")


def test_a_token_expiring_later_is_refused_once_that_time_has_come() -> None:
    token = id_token()
    exp = int(json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"])
    AUTHORIZER.authorize(token, now=exp - 1)
    with pytest.raises(Unauthorized):
        AUTHORIZER.authorize(token, now=exp)


def test_a_token_without_expiry_is_refused() -> None:
    refused(f"Bearer {id_token(exp=None)}")


def test_a_token_with_a_tampered_signature_is_refused() -> None:
    header, payload, signature = id_token().split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    assert "BadSignatureError" in refused(f"Bearer {header}.{payload}.{flipped}")


def test_a_token_with_tampered_claims_is_refused() -> None:
    header, _, signature = id_token().split(".")
    other = signed(claims() | {"cognito:groups": ["admins"]}).split(".")[1]
    assert "BadSignatureError" in refused(f"Bearer {header}.{other}.{signature}")


def test_a_token_signed_with_another_key_under_the_same_key_id_is_refused() -> None:
    forged = RSAKey.generate_key(2048, parameters={"kid": "key-1", "alg": "RS256"})
    refused(f"Bearer {signed(claims(), forged)}")


def test_a_token_whose_key_id_is_not_in_the_key_set_is_refused() -> None:
    refused(f"Bearer {signed(claims(), kid='unknown')}")


def test_an_unsigned_token_is_refused() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    payload = id_token().split(".")[1]
    refused(f"Bearer {header}.{payload}.")


def test_an_access_token_is_refused() -> None:
    refused(f"Bearer {id_token(token_use='access', aud=None, client_id=CLIENT_ID)}")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "....", "Bearer x.y"])
def test_garbage_is_refused(token: str) -> None:
    refused(token)


def test_claims_are_strings_arrays_in_brackets_and_nulls_left_out() -> None:
    assert api_gateway_claims(
        {"groups": ["a", "b"], "n": 3, "flag": False, "gone": None, "nested": {"k": 1}, "text": "x y"}
    ) == {"groups": "[a b]", "n": "3", "flag": "false", "nested": '{"k":1}', "text": "x y"}


def test_an_id_token_from_motos_cognito_passes_with_the_keys_moto_publishes() -> None:
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool = create_user_pool(cognito, region=REGION)
        create_user(
            cognito,
            pool.pool_id,
            username="owner",
            password="Sandbox-Owner-01",
            email="owner@example.com",
            groups=["owners"],
            attributes={"owner_accounts": "222222222222"},
        )
        token = cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "owner", "PASSWORD": "Sandbox-Owner-01"},
        )["AuthenticationResult"]["IdToken"]
    published = KeySet.import_key_set(load_resource("cognitoidp/resources/jwks-public.json"))
    authorizer = JwtAuthorizer(issuer=pool.issuer, audience=pool.client_id, keys=published)

    claims = authorizer.authorize(f"Bearer {token}")

    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool.pool_id}"
    assert (claims["cognito:username"], claims["cognito:groups"]) == ("owner", "[owners]")
    assert claims["custom:owner_accounts"] == "222222222222"
    with pytest.raises(Unauthorized):
        JwtAuthorizer(issuer=pool.issuer, audience="another-client", keys=published).authorize(token)


# ----- the web server's portal routes ---------------------------------------------------------------


class FakePortal:
    """Records the events it receives and answers with a small HTML page."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        self.events.append(event)
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
            "body": "<p>portal</p>",
            "cookies": ["a=1; Path=/portal", "b=2; Path=/portal"],
        }, False


@pytest.fixture
def portal_web() -> Iterator[tuple[str, FakePortal]]:
    fake = FakePortal()
    web = SandboxWeb(
        ("127.0.0.1", 0),
        invoke_decision=lambda event: ({"statusCode": 200, "body": ""}, False),
        resolve_caller=lambda key: None,
        outbox=Outbox({}),
        info=dict,
        portal=Portal(invoke=fake, authorizer=AUTHORIZER),
    )
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{web.server_address[1]}", fake
    finally:
        web.shutdown()
        web.server_close()


def fetch(url: str, *, method: str = "GET", body: bytes | None = None, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        return opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


def test_app_routes_without_a_valid_token_get_401_and_never_reach_the_function(
    portal_web: tuple[str, FakePortal],
) -> None:
    base, fake = portal_web
    for token in (None, id_token(aud="another-client")):
        response = fetch(f"{base}/portal/app/catalog", token=token)
        assert response.status == 401
        assert json.loads(response.read()) == {"message": "Unauthorized"}
    assert fake.events == []


def test_app_routes_with_a_valid_token_get_the_claims_and_the_greedy_path(
    portal_web: tuple[str, FakePortal],
) -> None:
    base, fake = portal_web
    response = fetch(
        f"{base}/portal/app/decisions/req-1?x=1", method="POST", body=b"action=approve", token=id_token()
    )
    assert response.status == 200
    assert response.headers.get_all("Set-Cookie") == ["a=1; Path=/portal", "b=2; Path=/portal"]
    (event,) = fake.events
    assert event["routeKey"] == "ANY /portal/app/{proxy+}"
    assert event["rawPath"] == "/portal/app/decisions/req-1"
    assert event["rawQueryString"] == "x=1"
    assert event["pathParameters"] == {"proxy": "decisions/req-1"}
    assert base64.b64decode(event["body"]) == b"action=approve"
    jwt_context = event["requestContext"]["authorizer"]["jwt"]
    assert jwt_context["claims"]["cognito:groups"] == "[consumers owners]"
    assert jwt_context["scopes"] is None  # the portal's routes declare no authorization scopes


def test_public_routes_reach_the_function_without_an_authorizer(portal_web: tuple[str, FakePortal]) -> None:
    base, fake = portal_web
    assert fetch(f"{base}/portal").status == 200
    assert fetch(f"{base}/portal/signin", method="POST", body=b"{}").status == 200
    assert fetch(f"{base}/portal/assets/portal.js").status == 200
    assert [(event["routeKey"], event.get("pathParameters")) for event in fake.events] == [
        ("GET /portal", None),
        ("POST /portal/signin", None),
        ("GET /portal/assets/{file}", {"file": "portal.js"}),
    ]
    assert all("authorizer" not in event["requestContext"] for event in fake.events)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/portal/signin"), ("POST", "/portal"), ("GET", "/portal/app"), ("GET", "/portal/assets/a/b")],
)
def test_paths_without_a_route_get_404(portal_web: tuple[str, FakePortal], method: str, path: str) -> None:
    base, fake = portal_web
    response = fetch(f"{base}{path}", method=method, body=b"" if method == "POST" else None)
    assert response.status == 404
    assert json.loads(response.read()) == {"message": "Not Found"}
    assert fake.events == []
