from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.ledger.store import workflow_ledger
from lakegate.portal.app import build_app
from lakegate.requests.mesh import mesh_from_environment
from lakegate.requests.requester import RequesterKey

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
APP = build_app(
    # A decision already claimed must still reach the workflow; its next step puts the event.
    ledger=workflow_ledger(
        settings.required("LEDGER_TABLE_NAME"), settings.required("EVENT_BUS_NAME"), defer_failed_events=True
    ),
    sfn=boto3.client("stepfunctions"),
    glue=boto3.client("glue"),
    cognito=boto3.client("cognito-idp"),
    mesh=mesh_from_environment(),
    requester_key=RequesterKey(settings.required("REQUESTER_KEY_ID"), kms=boto3.client("kms")),
    user_pool_client_id=settings.required("USER_POOL_CLIENT_ID"),
    state_machine_arn=settings.required("STATE_MACHINE_ARN"),
    user_role_prefix=settings.optional("USER_ROLE_PREFIX"),
)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry ID tokens and pages
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.resolve(event, context)


loaded()
