"""The consumer stack: a scheduled acceptance function with narrow RAM and Glue rights, trusting nobody."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.config import LakegateConfig
from stacks.consumer import ConsumerStack
from tests.infra.app_context import CENTRAL_ACCOUNT
from tests.infra.cfn import (
    PSEUDO_PARAMETERS,
    actions_of,
    as_list,
    logical_id,
    render,
    resources_for,
    statements,
)

pytestmark = pytest.mark.infra

ACCOUNT = PSEUDO_PARAMETERS["AWS::AccountId"]
GLUE = f"arn:aws:glue:{PSEUDO_PARAMETERS['AWS::Region']}:{ACCOUNT}"


def function_properties(consumer: ConsumerStack, template: Template) -> dict[str, Any]:
    resources = template.to_json()["Resources"]
    properties: dict[str, Any] = resources[logical_id(consumer.acceptance.function)]["Properties"]
    return properties


def role_id(consumer: ConsumerStack) -> str:
    return logical_id(consumer.acceptance.role)


def test_the_function_runs_every_invitation_check_minutes(
    consumer: ConsumerStack, consumer_template: Template
) -> None:
    function = {"Fn::GetAtt": [logical_id(consumer.acceptance.function), "Arn"]}
    rule = logical_id(consumer.acceptance.rule)

    consumer_template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(15 minutes)",
            "State": "ENABLED",
            "Targets": [{"Arn": function, "Id": "Target0"}],
        },
    )
    consumer_template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function,
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
        },
    )


def test_the_schedule_follows_the_context_key() -> None:
    config = LakegateConfig(central_account_id=CENTRAL_ACCOUNT, invitation_check_minutes=60)
    template = Template.from_stack(ConsumerStack(App(), "Consumer", config=config))

    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"})


def test_the_function_knows_the_central_account_and_how_to_name_links(
    consumer: ConsumerStack, consumer_template: Template
) -> None:
    properties = function_properties(consumer, consumer_template)
    resources = consumer_template.to_json()["Resources"]
    log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]

    assert properties["Handler"] == "handlers.accept_invitations.handler"
    assert properties["Environment"]["Variables"] == {
        "CENTRAL_ACCOUNT_ID": CENTRAL_ACCOUNT,
        "RESOURCE_LINK_PREFIX": "shared_",
        "RESOURCE_LINK_DATABASE": "lakegate_shared",
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }
    assert properties["Runtime"] == "python3.12"
    assert properties["TracingConfig"] == {"Mode": "Active"}
    (layer,) = properties["Layers"]
    assert consumer_template.to_json()["Parameters"][layer["Ref"]]["Default"] == (
        "/aws/service/powertools/python/x86_64/python3.12/latest"
    )
    assert resources[log_group]["Properties"]["RetentionInDays"] == 90
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        assert resources_for(consumer_template, role_id(consumer), action) == {f"<{log_group}.Arn>"}


def test_the_role_may_read_invitations_and_accept_only_the_central_accounts(
    consumer: ConsumerStack, consumer_template: Template
) -> None:
    role = role_id(consumer)
    (accept,) = [
        statement
        for roles, statement in statements(consumer_template)
        if role in roles and "ram:AcceptResourceShareInvitation" in as_list(statement["Action"])
    ]

    assert {action for action in actions_of(consumer_template, role) if action.startswith("ram:")} == {
        "ram:GetResourceShareInvitations",
        "ram:AcceptResourceShareInvitation",
        "ram:ListResources",
    }
    assert as_list(accept["Action"]) == ["ram:AcceptResourceShareInvitation"]
    assert render(accept["Resource"]) == (
        f"arn:aws:ram:eu-west-1:{CENTRAL_ACCOUNT}:resource-share-invitation/*"
    )
    assert accept["Condition"] == {"StringEquals": {"ram:ShareOwnerAccountId": CENTRAL_ACCOUNT}}
    assert "ram:RejectResourceShareInvitation" not in actions_of(consumer_template, role)


def test_the_role_may_create_and_read_only_links_in_this_accounts_catalog(
    consumer: ConsumerStack, consumer_template: Template
) -> None:
    role = role_id(consumer)
    glue_actions = {action for action in actions_of(consumer_template, role) if action.startswith("glue:")}

    assert glue_actions == {"glue:CreateDatabase", "glue:GetDatabase", "glue:CreateTable", "glue:GetTable"}
    for action in ("glue:CreateDatabase", "glue:GetDatabase"):
        assert resources_for(consumer_template, role, action) == {
            f"{GLUE}:catalog",
            f"{GLUE}:database/shared_*",
            f"{GLUE}:database/lakegate_shared",
        }
    for action in ("glue:CreateTable", "glue:GetTable"):
        assert resources_for(consumer_template, role, action) == {
            f"{GLUE}:catalog",
            f"{GLUE}:database/lakegate_shared",
            f"{GLUE}:table/lakegate_shared/*",
        }


def test_only_list_calls_and_tracing_are_granted_on_every_resource(consumer_template: Template) -> None:
    for _, statement in statements(consumer_template):
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), action
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) <= {
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "ram:GetResourceShareInvitations",
                "ram:ListResources",
            }, statement


def test_nothing_trusts_or_grants_anything_to_another_account(consumer_template: Template) -> None:
    resources = consumer_template.to_json()["Resources"]
    rules = {f"<{rule_id}.Arn>" for rule_id in consumer_template.find_resources("AWS::Events::Rule")}

    # Only identity policies, the function, its logs and its schedule: no resource policy of any kind.
    assert {resource["Type"] for resource in resources.values()} == {
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::Events::Rule",
    }
    for role in consumer_template.find_resources("AWS::IAM::Role").values():
        (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert "ManagedPolicyArns" not in role["Properties"]
    for permission in consumer_template.find_resources("AWS::Lambda::Permission").values():
        assert permission["Properties"]["Principal"] == "events.amazonaws.com"
        assert render(permission["Properties"]["SourceArn"]) in rules
    # No account is named but the central one, and that only where the function learns which
    # invitations to accept: its environment, and the accept statement's resource and condition.
    text = json.dumps(resources)
    assert set(re.findall(r"(?<!\d)\d{12}(?!\d)", text)) == {CENTRAL_ACCOUNT}
    assert text.count(CENTRAL_ACCOUNT) == 3


def test_the_role_to_make_a_data_lake_administrator_is_an_output(
    consumer: ConsumerStack, consumer_template: Template
) -> None:
    outputs = consumer_template.to_json()["Outputs"]

    assert outputs["AcceptanceRoleArn"]["Value"] == {"Fn::GetAtt": [role_id(consumer), "Arn"]}
    assert "data lake administrator" in outputs["AcceptanceRoleArn"]["Description"]
