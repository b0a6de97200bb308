"""The stale-invitation report: hourly, read-only on RAM, publishing only to the consumer topic."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from tests.infra.cfn import KEY, TOPIC, actions_of, function_path, resources_for
from tests.infra.synth import SynthesizedStack

pytestmark = pytest.mark.infra

REPORT = "StaleInvitationReport/ReportStaleInvitations"
FUNCTION = f"{REPORT}/Function"
ROLE = f"{REPORT}/Role"


def test_the_report_runs_hourly_with_the_threshold_and_the_consumer_topic(
    central: SynthesizedStack, central_template: Template
) -> None:
    properties = central.properties(FUNCTION)

    central_template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 hour)",
            "Targets": [{"Arn": {"Fn::GetAtt": [central.id(FUNCTION), "Arn"]}, "Id": "Target0"}],
        },
    )
    assert properties["Handler"] == "lakegate.handlers.report_stale_invitations.handler"
    assert properties["Environment"]["Variables"] == {
        "NOTIFICATION_TOPIC_ARN": {"Ref": central.id(TOPIC)},
        "STALE_INVITATION_HOURS": "6",
        "REPORT_PERIOD_MINUTES": "60",
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }


def test_the_report_uses_the_same_powertools_layer_and_code_as_the_workflow(
    central: SynthesizedStack,
) -> None:
    workflow = central.properties(function_path("grant_access"))
    report = central.properties(FUNCTION)

    assert report["Layers"] == workflow["Layers"]
    assert report["Code"] == workflow["Code"]


def test_the_report_reads_resource_shares_and_publishes_only_to_the_consumer_topic(
    central: SynthesizedStack,
) -> None:
    role = central.id(ROLE)
    log_group = central.properties(FUNCTION)["LoggingConfig"]["LogGroup"]["Ref"]

    assert actions_of(central, role) == {
        "ram:GetResourceShares",
        "ram:GetResourceShareAssociations",
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey*",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert resources_for(central, role, "sns:Publish") == {f"<{central.id(TOPIC)}>"}
    assert resources_for(central, role, "kms:GenerateDataKey*") == {f"<{central.id(KEY)}.Arn>"}
    assert resources_for(central, role, "logs:PutLogEvents") == {f"<{log_group}.Arn>"}
