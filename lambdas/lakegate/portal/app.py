"""The request portal's HTTP API routes: one Powertools router per area, included in one resolver.

Public (``routes.signin``): ``GET /portal`` (sign-in page), ``POST /portal/signin`` and
``/portal/signin/new-password`` (JSON, Cognito), ``GET /portal/assets/{file}``. Behind the HTTP
API's JWT authorizer, ``/portal/app/...``: the catalog (``routes.catalog``), the request form and
the user's requests (``routes.requests``; consumers, admins), and the decisions
(``routes.decisions``; owners, admins). Every refusal is a typed exception answered in one place
(``routes.refusals``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from lakegate.ledger.store import Ledger, utc_now
from lakegate.portal.routes.catalog import catalog_routes
from lakegate.portal.routes.decisions import decision_routes
from lakegate.portal.routes.refusals import refusal_handlers
from lakegate.portal.routes.requests import request_routes
from lakegate.portal.routes.signin import signin_routes
from lakegate.requests.mesh import MeshMembers
from lakegate.requests.requester import RequesterKey

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_stepfunctions import SFNClient


def build_app(
    *,
    ledger: Ledger,
    sfn: SFNClient,
    glue: GlueClient,
    cognito: CognitoIdentityProviderClient,
    mesh: MeshMembers,
    requester_key: RequesterKey,
    user_pool_client_id: str,
    state_machine_arn: str,
    user_role_prefix: str = "",
    clock: Callable[[], datetime] = utc_now,
) -> APIGatewayHttpResolver:
    """The portal's resolver with its routes and error pages, wired to the given clients."""
    app = APIGatewayHttpResolver()
    app.include_router(signin_routes(cognito=cognito, user_pool_client_id=user_pool_client_id))
    app.include_router(catalog_routes(glue=glue))
    app.include_router(
        request_routes(
            ledger=ledger,
            sfn=sfn,
            glue=glue,
            mesh=mesh,
            requester_key=requester_key,
            state_machine_arn=state_machine_arn,
            user_role_prefix=user_role_prefix,
        )
    )
    app.include_router(
        decision_routes(ledger=ledger, sfn=sfn, clock=clock, user_role_prefix=user_role_prefix)
    )
    app.include_router(refusal_handlers())
    return app
