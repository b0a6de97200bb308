from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate import settings
from lakegate.conclude_request import conclude_request
from lakegate.consumer_notice import ConsumerNotifier
from lakegate.ledger import Ledger
from lakegate.observability import TRACED_MODULES, loaded
from lakegate.status_events import StatusEventPublisher

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
LEDGER = Ledger(
    settings.required("LEDGER_TABLE_NAME"),
    dynamodb=boto3.client("dynamodb"),
    events=StatusEventPublisher(settings.required("EVENT_BUS_NAME"), events=boto3.client("events")),
)
NOTIFIER = ConsumerNotifier(settings.required("NOTIFICATION_TOPIC_ARN"), sns=boto3.client("sns"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return conclude_request(event, ledger=LEDGER, notifier=NOTIFIER)


loaded()
