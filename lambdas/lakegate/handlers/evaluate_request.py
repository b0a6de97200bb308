from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.ledger.store import workflow_ledger
from lakegate.requests.mesh import mesh_from_environment
from lakegate.requests.requester import RequesterKey
from lakegate.workflow.evaluate_request import evaluate_request

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
LEDGER = workflow_ledger(settings.required("LEDGER_TABLE_NAME"), settings.required("EVENT_BUS_NAME"))
GLUE = boto3.client("glue")
APPROVAL_TIMEOUT_SECONDS = settings.required_int("APPROVAL_TIMEOUT_SECONDS")
# Empty when the deployment has no per-user role convention.
USER_ROLE_PREFIX = settings.optional("USER_ROLE_PREFIX")
MESH = mesh_from_environment()
REQUESTER_KEY = RequesterKey(settings.required("REQUESTER_KEY_ID"), kms=boto3.client("kms"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return evaluate_request(
        event,
        glue=GLUE,
        ledger=LEDGER,
        mesh=MESH,
        requester_key=REQUESTER_KEY,
        approval_timeout_seconds=APPROVAL_TIMEOUT_SECONDS,
        user_role_prefix=USER_ROLE_PREFIX,
    )


loaded()
