"""The decision API behind the approval links: GET shows a confirmation page, POST decides."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from lakegate.decision import (
    InvalidDecision,
    LinkClosed,
    LinkRejected,
    TryAgainLater,
    open_link,
    parse_decision,
    take_decision,
)
from lakegate.decision_pages import confirmation_page, decided_page, message_page
from lakegate.errors import RequestNotFound, TransientAwsError
from lakegate.ledger import Ledger, Status, utc_now

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger(child=True)

HTML = "text/html; charset=utf-8"
# The secret is in the URL: never leak it through Referer, caches or frames.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
MAX_FORM_BYTES = 8192


def page(status_code: int, html: str) -> Response:
    return Response(status_code=status_code, content_type=HTML, body=html, headers=dict(SECURITY_HEADERS))


def build_app(
    *, ledger: Ledger, sfn: SFNClient, clock: Callable[[], datetime] = utc_now
) -> APIGatewayHttpResolver:
    """The HTTP API resolver with its routes and error pages, wired to the given clients."""
    app = APIGatewayHttpResolver()

    @app.get("/requests/<request_id>")
    def show(request_id: str) -> Response:
        query = app.current_event.query_string_parameters or {}
        secret = query.get("secret")
        action = query.get("action", "")
        record = open_link(request_id, secret, ledger=ledger, now=clock())
        return page(200, confirmation_page(record, action=action, secret=secret or ""))

    @app.post("/requests/<request_id>")
    def decide(request_id: str) -> Response:
        form = _form(app.current_event.decoded_body or "")
        decision = parse_decision(form.get("action"), form.get("approver"), form.get("comment"))
        record = take_decision(request_id, form.get("secret"), decision, ledger=ledger, sfn=sfn, now=clock())
        logger.info("decision taken", extra={"request_id": request_id, "status": record["status"]})
        return page(200, decided_page(record))

    @app.exception_handler(LinkRejected)
    def rejected(_: LinkRejected) -> Response:
        return page(403, message_page("Link not valid", "This link was not issued for this request."))

    @app.exception_handler(RequestNotFound)
    def not_found(_: RequestNotFound) -> Response:
        return page(404, message_page("Request not found", "There is no access request with this id."))

    @app.exception_handler(LinkClosed)
    def closed(error: LinkClosed) -> Response:
        expired = error.record.get("status") == Status.EXPIRED
        return page(410 if expired else 409, decided_page(error.record))

    @app.exception_handler(InvalidDecision)
    def invalid(error: InvalidDecision) -> Response:
        return page(400, message_page("Decision not understood", str(error)))

    @app.exception_handler([TryAgainLater, TransientAwsError])
    def unavailable(error: Exception) -> Response:
        logger.warning("decision not taken", extra={"reason": str(error)})
        return page(
            503,
            message_page(
                "Please try again", "The decision could not be taken just now; nothing was decided."
            ),
        )

    return app


def _form(body: str) -> dict[str, str]:
    """The first value of each field of a url-encoded form."""
    if len(body) > MAX_FORM_BYTES:
        raise InvalidDecision("the form is too large")
    return {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}
