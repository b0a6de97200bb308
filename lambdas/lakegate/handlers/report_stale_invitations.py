"""Central stack: report Lake Formation RAM invitations consumers have not accepted in time (scheduled)."""

from datetime import timedelta
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.sharing.stale_invitations import report_stale_invitations

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
TOPIC_ARN = settings.required("NOTIFICATION_TOPIC_ARN")
STALE_AFTER = timedelta(hours=settings.required_int("STALE_INVITATION_HOURS"))
PERIOD = timedelta(minutes=settings.required_int("REPORT_PERIOD_MINUTES"))
RAM = boto3.client("ram")
SNS = boto3.client("sns")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return report_stale_invitations(
        event, ram=RAM, sns=SNS, topic_arn=TOPIC_ARN, stale_after=STALE_AFTER, period=PERIOD
    )


loaded()
