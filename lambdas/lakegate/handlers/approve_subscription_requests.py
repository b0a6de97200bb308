"""Central stack, optional: decide DataZone subscription requests by rule (Subscription Request Created)."""

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.datazone.rules import parse_rules_json
from lakegate.datazone.subscription_approval import decide_subscription_request

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
DOMAIN_ID = settings.required("DATAZONE_DOMAIN_ID")
RULES = parse_rules_json(settings.required("AUTO_APPROVAL_RULES"))
TOPIC_ARN = settings.required("DECISION_TOPIC_ARN")
DATAZONE = boto3.client("datazone")
GLUE = boto3.client("glue")
SNS = boto3.client("sns")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return decide_subscription_request(
        event,
        datazone=DATAZONE,
        glue=GLUE,
        sns=SNS,
        rules=RULES,
        domain_id=DOMAIN_ID,
        default_topic_arn=TOPIC_ARN,
    )


loaded()
