"""The decision API: approval links (HTML pages) and owners deciding with their AWS identity (JSON).

``GET /requests/{id}`` shows a link's confirmation page and ``POST /requests/{id}`` takes its
form (``GET /assets/lakegate.css`` is the pages' stylesheet);
``POST /owner/requests/{id}`` is the AWS_IAM-authorized route ``lakegate approve`` and
``lakegate deny`` call, and ``POST /owner/requests/{id}/revoke`` the one ``lakegate revoke`` calls
(the data owner's account or the central account). Every refusal is a typed exception, answered
in one place: a page on the link routes, a JSON document on the owner routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from lakegate.approvals.decision import (
    CallerNotAllowed,
    DecisionClosed,
    InvalidDecision,
    LinkRejected,
    TryAgainLater,
    caller_from_iam,
    closed_reason,
    open_link,
    parse_decision,
    take_decision,
    take_owner_decision,
)
from lakegate.approvals.links import OWNER_PREFIX
from lakegate.approvals.pages import ASSETS_PATH, confirmation_page, decided_page, message_page
from lakegate.core.errors import RequestNotFound, RequestStateConflict, TransientAwsError
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger, utc_now
from lakegate.web import responses
from lakegate.web.html import STYLESHEET
from lakegate.workflow.revocation_client import RevocationFailed, Revoker

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger(child=True)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The secret is in the URL: never leak it through Referer, caches or frames.
SECURITY_HEADERS = {**responses.security_headers(CONTENT_SECURITY_POLICY), "Cache-Control": "no-store"}
JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_FORM_BYTES = 8192
OWNER_BODY_FIELDS = frozenset({"action", "comment"})
REVOKE_BODY_FIELDS = frozenset({"comment"})


def page(status_code: int, html: str) -> Response[str]:
    return responses.html_response(status_code, html, SECURITY_HEADERS)


def json_response(status_code: int, document: Mapping[str, Any]) -> Response[str]:
    return responses.json_response(status_code, document, JSON_HEADERS)


def decision_summary(record: LedgerRecord) -> dict[str, Any]:
    """What the owner route says about a request: where it stands and who decided, when and why."""
    return {
        "request_id": record.get("request_id"),
        "status": record.get("status"),
        "item": record.get("item"),
        "consumer_account": record.get("consumer_account"),
        "decided_by": record.get("decided_by"),
        "decided_at": record.get("decided_at"),
        "comment": record.get("decision_comment"),
    }


def build_app(
    *,
    ledger: Ledger,
    sfn: SFNClient,
    revoker: Revoker | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> APIGatewayHttpResolver:
    """The HTTP API resolver with its routes and error responses, wired to the given clients."""
    app = APIGatewayHttpResolver()

    @app.get(f"{ASSETS_PATH}/<name>")
    def asset(name: str) -> Response[str]:
        if name != STYLESHEET:
            raise NotFoundError()
        return responses.asset_response(responses.stylesheet(), responses.CSS, SECURITY_HEADERS)

    @app.get("/requests/<request_id>")
    def show(request_id: str) -> Response[str]:
        query = app.current_event.query_string_parameters or {}
        secret = query.get("secret")
        action = query.get("action", "")
        record = open_link(request_id, secret, ledger=ledger, now=clock())
        return page(200, confirmation_page(record, action=action, secret=secret or ""))

    @app.post("/requests/<request_id>")
    def decide(request_id: str) -> Response[str]:
        form = _form(app.current_event.decoded_body or "")
        decision = parse_decision(form.get("action"), form.get("approver"), form.get("comment"))
        record = take_decision(request_id, form.get("secret"), decision, ledger=ledger, sfn=sfn, now=clock())
        logger.info("decision taken", extra={"request_id": request_id, "status": record["status"]})
        return page(200, decided_page(record))

    @app.post(f"{OWNER_PREFIX}/requests/<request_id>")
    def decide_as_owner(request_id: str) -> Response[str]:
        body = _owner_body(app.current_event.decoded_body or "")
        decision = parse_decision(body.get("action"), None, body.get("comment"))
        caller = caller_from_iam(app.current_event.request_context.authorizer.iam.raw_event)
        record = take_owner_decision(request_id, caller, decision, ledger=ledger, sfn=sfn, now=clock())
        logger.info(
            "decision taken", extra={"request_id": request_id, "status": record["status"], "by": caller.arn}
        )
        return json_response(200, decision_summary(record))

    @app.post(f"{OWNER_PREFIX}/requests/<request_id>/revoke")
    def revoke_as_owner(request_id: str) -> Response[str]:
        body = _json_body(
            app.current_event.decoded_body or "{}", REVOKE_BODY_FIELDS, example='{"comment": "..."}'
        )
        caller = caller_from_iam(app.current_event.request_context.authorizer.iam.raw_event)
        record = ledger.get(request_id)
        if record is None:
            raise RequestNotFound(f"request {request_id} is not known")
        central_account = app.lambda_context.invoked_function_arn.split(":")[4]
        if caller.account_id not in (record.get("data_owner"), central_account):
            raise CallerNotAllowed(
                f"only the data owner's account ({record.get('data_owner')}) or the central account "
                f"({central_account}) may revoke request {request_id}; you are in {caller.account_id}"
            )
        if revoker is None:
            raise TryAgainLater("revocation is not configured")
        reason = body.get("comment") or "revoked on request"
        result = revoker.revoke(request_id, by=caller.decided_by, reason=reason)
        logger.info(
            "revocation", extra={"request_id": request_id, "by": caller.arn, "now": result["revoked_now"]}
        )
        return json_response(200, result)

    def refuse(
        status_code: int,
        error: str,
        message: str,
        *,
        html: str,
        details: Mapping[str, Any] | None = None,
    ) -> Response[str]:
        """A refusal: a JSON document on the owner route, the page ``html`` on the link routes."""
        if app.current_event.raw_path.startswith(f"{OWNER_PREFIX}/"):
            return json_response(status_code, {"error": error, "message": message, **(details or {})})
        return page(status_code, html)

    def rejected_link(_: LinkRejected) -> Response[str]:
        message = "This link was not issued for this request."
        return refuse(403, "forbidden", message, html=message_page("Link not valid", message))

    def not_allowed(error: CallerNotAllowed) -> Response[str]:
        return refuse(403, "forbidden", str(error), html=message_page("Not allowed", str(error)))

    def not_found(_: RequestNotFound) -> Response[str]:
        message = "There is no access request with this id."
        return refuse(404, "not_found", message, html=message_page("Request not found", message))

    def closed(error: DecisionClosed) -> Response[str]:
        expired = error.record.get("status") == Status.EXPIRED
        return refuse(
            410 if expired else 409,
            "expired" if expired else "already_decided",
            closed_reason(error.record),
            html=decided_page(error.record),
            details=decision_summary(error.record),
        )

    def invalid(error: InvalidDecision) -> Response[str]:
        message = str(error)
        return refuse(400, "bad_request", message, html=message_page("Decision not understood", message))

    def conflict(error: RequestStateConflict) -> Response[str]:
        message = str(error)
        return refuse(409, "conflict", message, html=message_page("Not possible", message))

    def unavailable(error: Exception) -> Response[str]:
        revoking = app.current_event.raw_path.endswith("/revoke")
        logger.warning(
            "revocation not made" if revoking else "decision not taken", extra={"reason": str(error)}
        )
        message = (
            "The revocation could not be made just now; nothing was revoked."
            if revoking
            else "The decision could not be taken just now; nothing was decided."
        )
        return refuse(503, "unavailable", message, html=message_page("Please try again", message))

    # Powertools' exception_handler is not annotated, so it is called rather than used as a decorator.
    refusals: list[tuple[type[Exception] | list[type[Exception]], Callable[[Any], Response[str]]]] = [
        (LinkRejected, rejected_link),
        (CallerNotAllowed, not_allowed),
        (RequestNotFound, not_found),
        (DecisionClosed, closed),
        (InvalidDecision, invalid),
        (RequestStateConflict, conflict),
        ([TryAgainLater, TransientAwsError, RevocationFailed], unavailable),
    ]
    for errors, respond in refusals:
        app.exception_handler(errors)(respond)
    return app


def _form(body: str) -> dict[str, str]:
    """The first value of each field of a url-encoded form."""
    if len(body) > MAX_FORM_BYTES:
        raise InvalidDecision("the form is too large")
    return {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}


def _owner_body(body: str) -> dict[str, str | None]:
    """The owner route's JSON body: ``{"action": "approve" | "deny", "comment": "..."}``."""
    return _json_body(body, OWNER_BODY_FIELDS, example='{"action": "approve", "comment": "..."}')


def _json_body(body: str, fields: frozenset[str], *, example: str) -> dict[str, str | None]:
    """A JSON object body whose ``fields`` are all optional strings; anything else is refused."""
    shape = f"the body must be a JSON object like {example}"
    if len(body) > MAX_FORM_BYTES:
        raise InvalidDecision("the body is too large")
    try:
        document = json.loads(body)
    except ValueError:
        raise InvalidDecision(shape) from None
    if not isinstance(document, dict):
        raise InvalidDecision(shape)
    unknown = sorted(set(document) - fields)
    if unknown:
        raise InvalidDecision(
            f"{', '.join(unknown)}: unknown field; expected only {', '.join(sorted(fields))}"
        )
    for name in fields:
        if document.get(name) is not None and not isinstance(document[name], str):
            raise InvalidDecision(f"{name}: must be a string")
    return {name: document.get(name) for name in fields}
