"""The stale-invitation report: hourly, read-only on RAM, publishing only to the consumer topic."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.central import CentralStack
from tests.infra.cfn import actions_of, logical_id, resources_for

pytestmark = pytest.mark.infra


def report_properties(central: CentralStack, template: Template) -> dict[str, Any]:
    resources = template.to_json()["Resources"]
    properties: dict[str, Any] = resources[logical_id(central.invitation_report.function)]["Properties"]
    return properties


def test_the_report_runs_hourly_with_the_threshold_and_the_consumer_topic(
    central: CentralStack, central_template: Template
) -> None:
    report = central.invitation_report
    properties = report_properties(central, central_template)

    central_template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 hour)",
            "Targets": [{"Arn": {"Fn::GetAtt": [logical_id(report.function), "Arn"]}, "Id": "Target0"}],
        },
    )
    assert properties["Handler"] == "handlers.report_stale_invitations.handler"
    assert properties["Environment"]["Variables"] == {
        "NOTIFICATION_TOPIC_ARN": {"Ref": logical_id(central.topic)},
        "STALE_INVITATION_HOURS": "6",
        "REPORT_PERIOD_MINUTES": "60",
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }


def test_the_report_uses_the_same_powertools_layer_and_code_as_the_workflow(
    central: CentralStack, central_template: Template
) -> None:
    resources = central_template.to_json()["Resources"]
    workflow = resources[logical_id(central.functions["grant_access"])]["Properties"]
    report = report_properties(central, central_template)

    assert report["Layers"] == workflow["Layers"]
    assert report["Code"] == workflow["Code"]


def test_the_report_reads_resource_shares_and_publishes_only_to_the_consumer_topic(
    central: CentralStack, central_template: Template
) -> None:
    role = logical_id(central.invitation_report.role)
    log_group = report_properties(central, central_template)["LoggingConfig"]["LogGroup"]["Ref"]

    assert actions_of(central_template, role) == {
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
    assert resources_for(central_template, role, "sns:Publish") == {f"<{logical_id(central.topic)}>"}
    assert resources_for(central_template, role, "kms:GenerateDataKey*") == {
        f"<{logical_id(central.key)}.Arn>"
    }
    assert resources_for(central_template, role, "logs:PutLogEvents") == {f"<{log_group}.Arn>"}
