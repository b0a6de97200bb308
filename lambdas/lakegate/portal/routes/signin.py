"""Public routes: the sign-in page, the two sign-in calls (JSON, Cognito) and the static assets."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from lakegate.portal.pages import PORTAL_PATH, sign_in_page
from lakegate.portal.routes.common import SECURITY_HEADERS, json_response, new_router, page
from lakegate.portal.signin import set_new_password, sign_in, sign_in_fields
from lakegate.web import responses
from lakegate.web.html import STYLESHEET

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

logger = Logger(child=True)

SCRIPT = "portal.js"
PORTAL_ASSETS_DIR = Path(__file__).parents[1] / "assets"


@cache
def script() -> str:
    """The text of ``portal.js``, read once."""
    return (PORTAL_ASSETS_DIR / SCRIPT).read_text(encoding="utf-8")


ASSETS = {
    SCRIPT: ("text/javascript; charset=utf-8", script),
    STYLESHEET: (responses.CSS, responses.stylesheet),
}


def signin_routes(
    *, cognito: CognitoIdentityProviderClient, user_pool_client_id: str
) -> APIGatewayHttpRouter:
    router = new_router()

    @router.get(PORTAL_PATH)
    def sign_in_route() -> Response[str]:
        return page(200, sign_in_page())

    @router.post(f"{PORTAL_PATH}/signin")
    def sign_in_post() -> Response[str]:
        fields = sign_in_fields(router.current_event.decoded_body or "", ("username", "password"))
        result = sign_in(
            cognito, client_id=user_pool_client_id, username=fields["username"], password=fields["password"]
        )
        logger.info("signed in" if "id_token" in result else "sign-in challenge", extra=_who(fields))
        return json_response(200, result)

    @router.post(f"{PORTAL_PATH}/signin/new-password")
    def new_password_post() -> Response[str]:
        fields = sign_in_fields(
            router.current_event.decoded_body or "", ("username", "session", "new_password")
        )
        result = set_new_password(
            cognito,
            client_id=user_pool_client_id,
            username=fields["username"],
            session=fields["session"],
            new_password=fields["new_password"],
        )
        logger.info("new password set", extra=_who(fields))
        return json_response(200, result)

    @router.get(f"{PORTAL_PATH}/assets/<name>")
    def asset_route(name: str) -> Response[str]:
        if name not in ASSETS:
            raise NotFoundError()
        content_type, text = ASSETS[name]
        return responses.asset_response(text(), content_type, SECURITY_HEADERS)

    return router


def _who(fields: Mapping[str, str]) -> dict[str, str]:
    """What a sign-in log line may say: the user name, never the password, session or token."""
    return {"username": fields.get("username", "")}
