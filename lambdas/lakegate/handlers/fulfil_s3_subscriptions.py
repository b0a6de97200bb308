"""Central stack, optional: keep S3 bucket policies in step with DataZone subscriptions to S3 assets."""

import json
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.datazone.policy_lock import BucketPolicyLocks
from lakegate.datazone.s3_fulfilment import fulfil_subscription_event, policy_editor_s3

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
DOMAIN_ID = settings.required("DATAZONE_DOMAIN_ID")
ROLE_NAME = settings.required("S3_POLICY_ROLE_NAME")
BUCKET_ACCOUNTS: dict[str, str] = json.loads(settings.required("BUCKET_ACCOUNTS"))
LOCK_TABLE = settings.required("POLICY_LOCK_TABLE")
DATAZONE = boto3.client("datazone")
DYNAMODB = boto3.client("dynamodb")
STS = boto3.client("sts")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return fulfil_subscription_event(
        event,
        datazone=DATAZONE,
        locks=BucketPolicyLocks(LOCK_TABLE, dynamodb=DYNAMODB),
        s3_in_account=partial(policy_editor_s3, role_name=ROLE_NAME, sts=STS),
        domain_id=DOMAIN_ID,
        bucket_accounts=BUCKET_ACCOUNTS,
    )


loaded()
