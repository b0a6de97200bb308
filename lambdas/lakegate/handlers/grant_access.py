from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.ledger.store import workflow_ledger
from lakegate.workflow.access_expiry import ExpiryScheduler
from lakegate.workflow.grant_access import grant_access

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
