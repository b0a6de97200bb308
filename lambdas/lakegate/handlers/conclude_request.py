from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.ledger.store import workflow_ledger
from lakegate.workflow.conclude_request import conclude_request
from lakegate.workflow.consumer_notice import ConsumerNotifier

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
LEDGER = workflow_ledger(settings.required("LEDGER_TABLE_NAME"), settings.required("EVENT_BUS_NAME"))
NOTIFIER = ConsumerNotifier(settings.required("NOTIFICATION_TOPIC_ARN"), sns=boto3.client("sns"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return conclude_request(event, ledger=LEDGER, notifier=NOTIFIER)


loaded()
