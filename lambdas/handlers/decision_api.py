from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate import settings
from lakegate.decision_api import build_app
from lakegate.ledger import Ledger
from lakegate.observability import TRACED_MODULES, loaded
from lakegate.revocation_client import RevokeFunction
from lakegate.status_events import StatusEventPublisher

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
APP = build_app(
    ledger=Ledger(
        settings.required("LEDGER_TABLE_NAME"),
        dynamodb=boto3.client("dynamodb"),
        events=StatusEventPublisher(settings.required("EVENT_BUS_NAME"), events=boto3.client("events")),
        # A decision already claimed must still reach the workflow; its next step puts the event.
        defer_failed_events=True,
    ),
    sfn=boto3.client("stepfunctions"),
    revoker=RevokeFunction(settings.required("REVOKE_FUNCTION_NAME"), lambda_client=boto3.client("lambda")),
)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)  # pages carry the link's secret
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.resolve(event, context)


loaded()
