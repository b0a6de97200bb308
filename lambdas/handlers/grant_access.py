from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate import settings
from lakegate.access_expiry import ExpiryScheduler
from lakegate.grant_access import grant_access
from lakegate.ledger import workflow_ledger
from lakegate.observability import TRACED_MODULES, loaded

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
LEDGER = workflow_ledger(settings.required("LEDGER_TABLE_NAME"), settings.required("EVENT_BUS_NAME"))
LAKEFORMATION = boto3.client("lakeformation")
EXPIRY = ExpiryScheduler(
    settings.required("EXPIRY_STATE_MACHINE_ARN"),
    stepfunctions=boto3.client("stepfunctions"),
    day_seconds=settings.required_int("ACCESS_DAY_SECONDS"),
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return grant_access(event, ledger=LEDGER, lakeformation=LAKEFORMATION, expiry=EXPIRY)


loaded()
