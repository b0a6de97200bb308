"""The decisions page of owners and admins, and a decision taken from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from lakegate.approvals.decision import parse_decision, take_portal_decision
from lakegate.approvals.links import APPROVE
from lakegate.ledger.store import Ledger
from lakegate.portal.auth import MAY_DECIDE
from lakegate.portal.decision_pages import decisions_page
from lakegate.portal.pages import APP_PATH, app_url
from lakegate.portal.request_forms import pending_decisions
from lakegate.portal.request_pages import request_page
from lakegate.portal.routes.common import frame_for, new_router, page, posted_form

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger(child=True)


def decision_routes(
    *, ledger: Ledger, sfn: SFNClient, clock: Callable[[], datetime], user_role_prefix: str
) -> APIGatewayHttpRouter:
    router = new_router()

    @router.get(f"{APP_PATH}/decisions")
    def decisions_route() -> Response[str]:
        frame = frame_for(router, MAY_DECIDE)
        records = pending_decisions(frame.user, ledger=ledger, now=clock())
        return page(200, decisions_page(records, frame=frame, user_role_prefix=user_role_prefix))

    @router.post(f"{APP_PATH}/decisions/<request_id>")
    def decision_post(request_id: str) -> Response[str]:
        frame = frame_for(router, MAY_DECIDE)
        fields = posted_form(router)
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

    return router
