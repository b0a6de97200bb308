"""What every portal route shares: its responses and headers, who is signed in, the query and the form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from lakegate.core.errors import LakegateError
from lakegate.portal.auth import (
    CSRF_FIELD,
    Forbidden,
    NotSignedIn,
    bearer_token,
    check_csrf,
    csrf_token,
    require_group,
    user_from_claims,
)
from lakegate.portal.pages import Frame
from lakegate.web import responses

# The page the JS should show in the address bar after a form post (it rendered another page).
LOCATION_HEADER = "X-Portal-Location"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = responses.security_headers(CONTENT_SECURITY_POLICY)
NO_STORE = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
MAX_FORM_BYTES = 65536


class FormTooLarge(LakegateError):
    """A posted form is larger than any the portal's pages send."""


def new_router() -> APIGatewayHttpRouter:
    """A router for one area; ``build_app`` includes it in the portal's resolver."""
    return APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def page(status_code: int, html: str, *, location: str | None = None) -> Response[str]:
    """An HTML page, never cached; ``location`` tells portal.js which address the page has."""
    headers = dict(NO_STORE)
    if location:
        headers[LOCATION_HEADER] = location
    return responses.html_response(status_code, html, headers)


def json_response(status_code: int, document: Mapping[str, Any]) -> Response[str]:
    return responses.json_response(status_code, document, NO_STORE)


def frame_for(router: APIGatewayHttpRouter, groups: tuple[str, ...]) -> Frame:
    """The signed-in user (Forbidden unless in one of ``groups``) and the page's csrf value."""
    event = router.current_event
    user = user_from_claims(event.request_context.authorizer.jwt_claim)
    require_group(user, groups)
    return Frame(user=user, csrf=csrf_token(bearer_token(event.headers)))


def current_frame(router: APIGatewayHttpRouter) -> Frame | None:
    """The frame for an error page: the signed-in user if there is one, whatever their groups."""
    try:
        return frame_for(router, ())
    except (NotSignedIn, Forbidden):
        return None


def query(router: APIGatewayHttpRouter) -> dict[str, list[str]]:
    return parse_qs(router.current_event.raw_query_string or "", keep_blank_values=True)


def posted_form(router: APIGatewayHttpRouter) -> dict[str, list[str]]:
    """The url-encoded form of a POST, once its csrf field is checked."""
    body = router.current_event.decoded_body or ""
    if len(body) > MAX_FORM_BYTES:
        raise FormTooLarge("the form is too large")
    fields = parse_qs(body, keep_blank_values=True)
    check_csrf((fields.get(CSRF_FIELD) or [""])[0], bearer_token(router.current_event.headers))
    return fields
