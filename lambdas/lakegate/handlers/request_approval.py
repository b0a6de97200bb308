from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.ledger.store import workflow_ledger
from lakegate.workflow.approval_reminder import ReminderScheduler, reminder_seconds_from
from lakegate.workflow.request_approval import ApprovalSettings, request_approval, send_reminder

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
LEDGER = workflow_ledger(settings.required("LEDGER_TABLE_NAME"), settings.required("EVENT_BUS_NAME"))
STS = boto3.client("sts")
SETTINGS = ApprovalSettings(
    decision_base_url=settings.required("DECISION_BASE_URL"),
    producer_role_name=settings.required("PRODUCER_ROLE_NAME"),
    producer_topic_name=settings.required("PRODUCER_TOPIC_NAME"),
    region=settings.required("AWS_REGION"),
    access_day_seconds=settings.required_int("ACCESS_DAY_SECONDS"),
)
REMINDERS = ReminderScheduler(
    settings.required("REMINDER_STATE_MACHINE_ARN"),
    stepfunctions=boto3.client("stepfunctions"),
    reminder_seconds=reminder_seconds_from(settings.required("APPROVAL_REMINDER_SECONDS")),
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Two modes: the workflow's approval step, and the reminder state machine's {"reminder": true}.
    if event.get("reminder"):
        return send_reminder(event, ledger=LEDGER, sts=STS, settings=SETTINGS)
    return request_approval(event, ledger=LEDGER, sts=STS, settings=SETTINGS, reminders=REMINDERS)


loaded()
