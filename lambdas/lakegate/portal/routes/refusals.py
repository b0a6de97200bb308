"""Every refusal answered in one place: a page for the portal's pages, a JSON document for sign-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from lakegate.approvals.decision import CallerNotAllowed, DecisionClosed, InvalidDecision, TryAgainLater
from lakegate.core.errors import CatalogItemNotFound, RequestNotFound, RequestStateConflict, TransientAwsError
from lakegate.ledger.status import Status
from lakegate.portal.auth import CsrfRejected, Forbidden, NotSignedIn
from lakegate.portal.decision_pages import closed_message
from lakegate.portal.pages import message_page
from lakegate.portal.routes.common import FormTooLarge, current_frame, json_response, new_router, page
from lakegate.portal.signin import SignInInvalid, SignInRejected, SignInUnavailable
from lakegate.requests.submission import TooManyAttempts

logger = Logger(child=True)


def refusal_handlers() -> APIGatewayHttpRouter:
    router = new_router()

    def refusal(status_code: int, title: str, message: str) -> Response[str]:
        return page(status_code, message_page(title, message, frame=current_frame(router)))

    def not_signed_in(_: NotSignedIn) -> Response[str]:
        # As API Gateway's JWT authorizer answers: portal.js then shows the sign-in page.
        return json_response(401, {"message": "Unauthorized"})

    def forbidden(error: Forbidden) -> Response[str]:
        return refusal(403, "Not allowed", f"{error}. Ask an administrator to add you to it.")

    def csrf_rejected(error: CsrfRejected) -> Response[str]:
        return refusal(403, "Form not accepted", str(error))

    def not_allowed(error: CallerNotAllowed) -> Response[str]:
        return refusal(403, "Not allowed", str(error))

    def not_found(_: Exception) -> Response[str]:
        return refusal(404, "Not found", "There is no such page, database, table or request here.")

    def closed(error: DecisionClosed) -> Response[str]:
        expired = error.record.get("status") == Status.EXPIRED
        return refusal(410 if expired else 409, "No longer open", closed_message(error.record))

    def invalid_decision(error: InvalidDecision) -> Response[str]:
        return refusal(400, "Decision not understood", str(error))

    def conflict(error: RequestStateConflict | TooManyAttempts) -> Response[str]:
        return refusal(409, "Not possible", str(error))

    def too_large(error: FormTooLarge) -> Response[str]:
        return refusal(413, "Form too large", str(error))

    def unavailable(error: Exception) -> Response[str]:
        logger.warning("portal action not taken", extra={"reason": str(error)})
        return refusal(503, "Please try again", "That could not be done just now; nothing was changed.")

    def sign_in_rejected(error: SignInRejected) -> Response[str]:
        return json_response(401, {"error": str(error)})

    def sign_in_invalid(error: SignInInvalid) -> Response[str]:
        return json_response(400, {"error": str(error)})

    def sign_in_unavailable(error: SignInUnavailable) -> Response[str]:
        logger.warning("sign-in not possible", extra={"reason": str(error)})
        return json_response(503, {"error": str(error)})

    # Powertools' exception_handler is not annotated, so it is called rather than used as a decorator.
    responses: list[tuple[type[Exception] | list[type[Exception]], Callable[[Any], Response[str]]]] = [
        (NotSignedIn, not_signed_in),
        (Forbidden, forbidden),
        (CsrfRejected, csrf_rejected),
        (CallerNotAllowed, not_allowed),
        ([NotFoundError, RequestNotFound, CatalogItemNotFound], not_found),
        (DecisionClosed, closed),
        (InvalidDecision, invalid_decision),
        ([RequestStateConflict, TooManyAttempts], conflict),
        (FormTooLarge, too_large),
        ([TryAgainLater, TransientAwsError], unavailable),
        (SignInRejected, sign_in_rejected),
        (SignInInvalid, sign_in_invalid),
        (SignInUnavailable, sign_in_unavailable),
    ]
    for errors, respond in responses:
        router.exception_handler(errors)(respond)
    return router
