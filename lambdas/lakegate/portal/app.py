"""The request portal's HTTP API routes (Powertools' APIGatewayHttpResolver).

Public: ``GET /portal`` (sign-in page), ``POST /portal/signin`` and ``/portal/signin/new-password``
(JSON, Cognito), ``GET /portal/assets/{file}``. Behind the HTTP API's JWT authorizer,
``/portal/app/...``: the catalog, the request form and the user's requests (consumers, admins),
and the decisions (owners, admins). Every refusal is a typed exception answered in one place: a
page for the portal's pages, a JSON document for sign-in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from lakegate.approvals.decision import (
    CallerNotAllowed,
    DecisionClosed,
    InvalidDecision,
    TryAgainLater,
    parse_decision,
    take_portal_decision,
)
from lakegate.approvals.links import APPROVE
from lakegate.core.errors import (
    CatalogItemNotFound,
    LakegateError,
    RequestNotFound,
    RequestStateConflict,
    TransientAwsError,
)
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger, utc_now
from lakegate.portal.auth import (
    CSRF_FIELD,
    MAY_BROWSE,
    MAY_DECIDE,
    MAY_REQUEST,
    CsrfRejected,
    Forbidden,
    NotSignedIn,
    bearer_token,
    check_csrf,
    csrf_token,
    require_group,
    user_from_claims,
)
from lakegate.portal.catalog import (
    database_with_tables,
    discoverable_database,
    discoverable_databases,
    table_of,
)
from lakegate.portal.catalog_pages import catalog_page, database_page, table_page
from lakegate.portal.decision_pages import closed_message, decisions_page
from lakegate.portal.pages import APP_PATH, PORTAL_PATH, Frame, app_url, message_page, sign_in_page
from lakegate.portal.request_forms import (
    FormInvalid,
    RequestForm,
    default_form,
    my_requests,
    pending_decisions,
    request_for,
    request_from_form,
    require_in_catalog,
    start_request,
    wait_for_record,
)
from lakegate.portal.request_pages import my_requests_page, request_form_page, request_page
from lakegate.portal.signin import (
    SignInInvalid,
    SignInRejected,
    SignInUnavailable,
    set_new_password,
    sign_in,
    sign_in_fields,
)
from lakegate.requests.submission import TooManyAttempts

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger(child=True)

HTML = "text/html; charset=utf-8"
JSON = "application/json"
# The page the JS should show in the address bar after a form post (it rendered another page).
LOCATION_HEADER = "X-Portal-Location"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NO_STORE = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
ASSETS_DIR = Path(__file__).with_name("assets")
ASSET_TYPES = {"portal.js": "text/javascript; charset=utf-8", "portal.css": "text/css; charset=utf-8"}
MAX_FORM_BYTES = 65536


class FormTooLarge(LakegateError):
    """A posted form is larger than any the portal's pages send."""


def page(status_code: int, html: str, *, location: str | None = None) -> Response[str]:
    """An HTML page, never cached; ``location`` tells portal.js which address the page has."""
    headers = dict(NO_STORE)
    if location:
        headers[LOCATION_HEADER] = location
    return Response(status_code=status_code, content_type=HTML, body=html, headers=headers)


def json_response(status_code: int, document: Mapping[str, Any]) -> Response[str]:
    return Response(
        status_code=status_code, content_type=JSON, body=json.dumps(document), headers=dict(NO_STORE)
    )


@cache
def asset(name: str) -> str:
    """The text of a static asset (``portal.js``, ``portal.css``), read once."""
    return (ASSETS_DIR / name).read_text(encoding="utf-8")


def build_app(
    *,
    ledger: Ledger,
    sfn: SFNClient,
    glue: GlueClient,
    cognito: CognitoIdentityProviderClient,
    user_pool_client_id: str,
    state_machine_arn: str,
    user_role_prefix: str = "",
    clock: Callable[[], datetime] = utc_now,
) -> APIGatewayHttpResolver:
    """The portal's resolver with its routes and error pages, wired to the given clients."""
    app = APIGatewayHttpResolver()

    def frame_for(groups: tuple[str, ...]) -> Frame:
        """The signed-in user (Forbidden unless in one of ``groups``) and the page's csrf value."""
        user = user_from_claims(app.current_event.request_context.authorizer.jwt_claim)
        require_group(user, groups)
        return Frame(user=user, csrf=csrf_token(bearer_token(app.current_event.headers)))

    def current_frame() -> Frame | None:
        """The frame for an error page: the signed-in user if there is one, whatever their groups."""
        try:
            return frame_for(())
        except (NotSignedIn, Forbidden):
            return None

    def query() -> dict[str, list[str]]:
        return parse_qs(app.current_event.raw_query_string or "", keep_blank_values=True)

    def posted_form() -> dict[str, list[str]]:
        """The url-encoded form of a POST, once its csrf field is checked."""
        body = app.current_event.decoded_body or ""
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge("the form is too large")
        fields = parse_qs(body, keep_blank_values=True)
        check_csrf((fields.get(CSRF_FIELD) or [""])[0], bearer_token(app.current_event.headers))
        return fields

    # ----- public: sign-in and assets ----------------------------------------------------------

    @app.get(PORTAL_PATH)
    def sign_in_route() -> Response[str]:
        return page(200, sign_in_page())

    @app.post(f"{PORTAL_PATH}/signin")
    def sign_in_post() -> Response[str]:
        fields = sign_in_fields(app.current_event.decoded_body or "", ("username", "password"))
        result = sign_in(
            cognito, client_id=user_pool_client_id, username=fields["username"], password=fields["password"]
        )
        logger.info("signed in" if "id_token" in result else "sign-in challenge", extra=_who(fields))
        return json_response(200, result)

    @app.post(f"{PORTAL_PATH}/signin/new-password")
    def new_password_post() -> Response[str]:
        fields = sign_in_fields(app.current_event.decoded_body or "", ("username", "session", "new_password"))
        result = set_new_password(
            cognito,
            client_id=user_pool_client_id,
            username=fields["username"],
            session=fields["session"],
            new_password=fields["new_password"],
        )
        logger.info("new password set", extra=_who(fields))
        return json_response(200, result)

    @app.get(f"{PORTAL_PATH}/assets/<name>")
    def asset_route(name: str) -> Response[str]:
        content_type = ASSET_TYPES.get(name)
        if content_type is None:
            raise NotFoundError()
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"}
        return Response(status_code=200, content_type=content_type, body=asset(name), headers=headers)

    # ----- the catalog -------------------------------------------------------------------------

    @app.get(f"{APP_PATH}/catalog")
    def catalog_route() -> Response[str]:
        frame = frame_for(MAY_BROWSE)
        token = (query().get("next") or [""])[0] or None
        return page(
            200,
            catalog_page(discoverable_databases(glue=glue, next_token=token), frame=frame, paged=bool(token)),
        )

    @app.get(f"{APP_PATH}/catalog/<database>")
    def database_route(database: str) -> Response[str]:
        frame = frame_for(MAY_BROWSE)
        view, tables = database_with_tables(database, glue=glue)
        return page(200, database_page(view, tables, frame=frame))

    @app.get(f"{APP_PATH}/catalog/<database>/<table>")
    def table_route(database: str, table: str) -> Response[str]:
        frame = frame_for(MAY_BROWSE)
        view, table_view = table_of(database, table, glue=glue)
        return page(200, table_page(view, table_view, frame=frame))

    # ----- requests ----------------------------------------------------------------------------

    def form_page(form: RequestForm, frame: Frame, status_code: int) -> Response[str]:
        if not form.database:
            message = "Choose a database, a table or columns in the catalog, then ask for access there."
            return page(400, message_page("Nothing to request", message, frame=frame))
        if form.whole_database:
            database, table = discoverable_database(form.database, glue=glue), None
        else:
            database, found = table_of(form.database, form.table, glue=glue)
            table = found
        html = request_form_page(form, database, table, frame=frame, user_role_prefix=user_role_prefix)
        return page(status_code, html, location=app_url("request"))

    @app.get(f"{APP_PATH}/request")
    def request_form_route() -> Response[str]:
        frame = frame_for(MAY_REQUEST)
        return form_page(default_form(query(), frame.user), frame, 200)

    @app.post(f"{APP_PATH}/request")
    def request_post() -> Response[str]:
        frame = frame_for(MAY_REQUEST)
        form = RequestForm.from_fields(posted_form())
        try:
            request = request_from_form(form, frame.user)
            require_in_catalog(request, glue=glue)
        except FormInvalid as invalid:
            return form_page(replace(form, errors=invalid.errors), frame, 400)
        submission = start_request(request, state_machine_arn=state_machine_arn, sfn=sfn, ledger=ledger)
        logger.info(
            "request started" if submission.started else "request already pending",
            extra={"request_id": submission.request_id, "by": frame.user.username},
        )
        record: LedgerRecord = wait_for_record(submission.request_id, ledger=ledger) or {
            "request_id": submission.request_id,
            "status": submission.status,
            "item": request.item_name,
            "consumer_account": request.consumer_account,
            "requester": request.requester,
            "request": request.to_dict(),
            "history": [],
        }
        message = (
            f"Request {submission.request_id} started: lakegate is checking it now."
            if submission.started
            else f"The same request is already in progress ({submission.status}): nothing new was started."
        )
        html = request_page(record, frame=frame, message=message, user_role_prefix=user_role_prefix)
        location = app_url(f"requests/{submission.request_id}")
        return page(201 if submission.started else 200, html, location=location)

    @app.get(f"{APP_PATH}/requests")
    def my_requests_route() -> Response[str]:
        frame = frame_for(MAY_BROWSE)
        return page(200, my_requests_page(my_requests(frame.user, ledger=ledger), frame=frame))

    @app.get(f"{APP_PATH}/requests/<request_id>")
    def request_route(request_id: str) -> Response[str]:
        frame = frame_for(MAY_BROWSE)
        record = request_for(
            request_id, frame.user, ledger=ledger, sfn=sfn, state_machine_arn=state_machine_arn
        )
        return page(200, request_page(record, frame=frame, user_role_prefix=user_role_prefix))

    # ----- decisions ---------------------------------------------------------------------------

    @app.get(f"{APP_PATH}/decisions")
    def decisions_route() -> Response[str]:
        frame = frame_for(MAY_DECIDE)
        records = pending_decisions(frame.user, ledger=ledger, now=clock())
        return page(200, decisions_page(records, frame=frame, user_role_prefix=user_role_prefix))

    @app.post(f"{APP_PATH}/decisions/<request_id>")
    def decision_post(request_id: str) -> Response[str]:
        frame = frame_for(MAY_DECIDE)
        fields = posted_form()
        decision = parse_decision((fields.get("action") or [""])[0], None, (fields.get("comment") or [""])[0])
        record = take_portal_decision(request_id, frame.user, decision, ledger=ledger, sfn=sfn, now=clock())
        logger.info(
            "decision taken",
            extra={"request_id": request_id, "status": record["status"], "by": frame.user.username},
        )
        verb = "approved" if decision.action == APPROVE else "denied"
        html = request_page(
            record,
            frame=frame,
            message=f"You {verb} request {request_id}.",
            user_role_prefix=user_role_prefix,
        )
        return page(200, html, location=app_url(f"requests/{request_id}"))

    # ----- refusals ----------------------------------------------------------------------------

    def refusal(status_code: int, title: str, message: str) -> Response[str]:
        return page(status_code, message_page(title, message, frame=current_frame()))

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
        app.exception_handler(errors)(respond)
    return app


def _who(fields: Mapping[str, str]) -> dict[str, str]:
    """What a sign-in log line may say: the user name, never the password, session or token."""
    return {"username": fields.get("username", "")}
