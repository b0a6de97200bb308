"""The request form, starting a request, and the user's requests."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.store import Ledger
from lakegate.portal.auth import MAY_BROWSE, MAY_REQUEST
from lakegate.portal.catalog import discoverable_database, table_of
from lakegate.portal.pages import APP_PATH, Frame, app_url, message_page
from lakegate.portal.request_forms import (
    FormInvalid,
    RequestForm,
    default_form,
    may_see,
    my_requests,
    request_for,
    request_from_form,
    require_in_catalog,
    start_request,
    wait_for_record,
)
from lakegate.portal.request_pages import my_requests_page, request_form_page, request_page
from lakegate.portal.routes.common import frame_for, new_router, page, posted_form, query
from lakegate.requests.mesh import MeshMembers
from lakegate.requests.requester import VIA_PORTAL, RequesterKey

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger(child=True)


def request_routes(
    *,
    ledger: Ledger,
    sfn: SFNClient,
    glue: GlueClient,
    mesh: MeshMembers,
    requester_key: RequesterKey,
    state_machine_arn: str,
    user_role_prefix: str,
) -> APIGatewayHttpRouter:
    router = new_router()

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

    @router.get(f"{APP_PATH}/request")
    def request_form_route() -> Response[str]:
        frame = frame_for(router, MAY_REQUEST)
        return form_page(default_form(query(router), frame.user), frame, 200)

    @router.post(f"{APP_PATH}/request")
    def request_post() -> Response[str]:
        frame = frame_for(router, MAY_REQUEST)
        form = RequestForm.from_fields(posted_form(router))
        try:
            request = request_from_form(form, frame.user, mesh)
            require_in_catalog(request, glue=glue)
        except FormInvalid as invalid:
            return form_page(replace(form, errors=invalid.errors), frame, 400)
        submission = start_request(
            request,
            frame.user,
            state_machine_arn=state_machine_arn,
            sfn=sfn,
            ledger=ledger,
            requester_key=requester_key,
        )
        logger.info(
            "request started" if submission.started else "request already pending",
            extra={"request_id": submission.request_id, "by": frame.user.username},
        )
        found = wait_for_record(submission.request_id, ledger=ledger)
        if not submission.started and (found is None or not may_see(found, frame.user)):
            # Someone else asked for exactly this access first: say so, and show nothing of theirs.
            return page(
                200, message_page("Already requested", _asked_by_someone_else(request.item_name), frame=frame)
            )
        record: LedgerRecord = found or {
            "request_id": submission.request_id,
            "status": submission.status,
            "item": request.item_name,
            "consumer_account": request.consumer_account,
            "requester": frame.user.username,
            "requester_verified_by": VIA_PORTAL,
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

    @router.get(f"{APP_PATH}/requests")
    def my_requests_route() -> Response[str]:
        frame = frame_for(router, MAY_BROWSE)
        return page(200, my_requests_page(my_requests(frame.user, ledger=ledger), frame=frame))

    @router.get(f"{APP_PATH}/requests/<request_id>")
    def request_route(request_id: str) -> Response[str]:
        frame = frame_for(router, MAY_BROWSE)
        record = request_for(
            request_id,
            frame.user,
            ledger=ledger,
            sfn=sfn,
            state_machine_arn=state_machine_arn,
        )
        return page(200, request_page(record, frame=frame, user_role_prefix=user_role_prefix))

    return router


def _asked_by_someone_else(item: str) -> str:
    return (
        f"The same access to {item} for this grantee is already requested by someone else and in "
        "progress: nothing new was started, and your justification was not recorded. The grantee "
        "will have the access if it is granted; ask its requester or an administrator for its status."
    )
