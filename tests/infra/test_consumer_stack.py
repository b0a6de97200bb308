"""The consumer stack: a scheduled acceptance function with narrow RAM and Glue rights, trusting nobody."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.app_factory import CONSUMER_STACK
from stacks.config import LakegateConfig
from stacks.consumer import ConsumerStack
from tests.infra.app_context import CENTRAL_ACCOUNT, FULL, MINIMAL, PRODUCER_ACCOUNT
from tests.infra.cfn import (
    POWERTOOLS_PARAMETERS,
    actions_of,
    as_list,
    render,
    resources_for,
    resources_of_type,
    statements,
)
from tests.infra.synth import Assembly, SynthesizedStack

pytestmark = pytest.mark.infra

ACCEPTANCE = "InvitationAcceptance/AcceptInvitations"
FUNCTION = f"{ACCEPTANCE}/Function"
ROLE = f"{ACCEPTANCE}/Role"
SCHEDULE = f"{ACCEPTANCE}/Schedule"


@pytest.fixture(scope="module", params=[FULL.name, MINIMAL.name])
def each_consumer(request: pytest.FixtureRequest, assemblies: dict[str, Assembly]) -> SynthesizedStack:
    """The consumer stack of each variant: the same stack, for another central account and region."""
    stack: SynthesizedStack = assemblies[request.param].stack(CONSUMER_STACK)
    return stack


def central_account_of(consumer: SynthesizedStack) -> str:
    """The central account the variant's consumer stack accepts invitations from."""
    account: str = consumer.variant.context["central_account_id"]
    return account


def glue_arn(consumer: SynthesizedStack) -> str:
    """The start of the ARNs of the consumer account's Glue Data Catalog, where the stack is deployed."""
    return f"arn:aws:glue:{consumer.variant.region}:{consumer.variant.account}"


def role_id(consumer: SynthesizedStack) -> str:
    return consumer.id(ROLE)


def test_the_function_runs_every_invitation_check_minutes(each_consumer: SynthesizedStack) -> None:
    function = {"Fn::GetAtt": [each_consumer.id(FUNCTION), "Arn"]}
    template = each_consumer.template

    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(15 minutes)",
            "State": "ENABLED",
            "Targets": [{"Arn": function, "Id": "Target0"}],
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function,
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [each_consumer.id(SCHEDULE), "Arn"]},
        },
    )


def test_the_schedule_follows_the_context_key() -> None:
    config = LakegateConfig(
        central_account_id=CENTRAL_ACCOUNT,
        producer_account_ids=(PRODUCER_ACCOUNT,),
        invitation_check_minutes=60,
    )
    template = Template.from_stack(ConsumerStack(App(), "Consumer", config=config))

    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"})


def test_the_function_knows_the_central_account_and_how_to_name_links(
    each_consumer: SynthesizedStack,
) -> None:
    properties = each_consumer.properties(FUNCTION)
    log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]

    assert properties["Handler"] == "lakegate.handlers.accept_invitations.handler"
    assert properties["Environment"]["Variables"] == {
        "CENTRAL_ACCOUNT_ID": central_account_of(each_consumer),
        "RESOURCE_LINK_PREFIX": "shared_",
        "RESOURCE_LINK_DATABASE": "lakegate_shared",
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }
    assert properties["Runtime"] == "python3.12"
    assert properties["TracingConfig"] == {"Mode": "Active"}
    (layer,) = properties["Layers"]
    assert each_consumer.document["Parameters"][layer["Ref"]]["Default"].startswith(POWERTOOLS_PARAMETERS)
    assert each_consumer.resources[log_group]["Properties"]["RetentionInDays"] == 90
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        assert resources_for(each_consumer, role_id(each_consumer), action) == {f"<{log_group}.Arn>"}


def test_the_role_may_read_invitations_and_accept_only_the_central_accounts(
    each_consumer: SynthesizedStack,
) -> None:
    role = role_id(each_consumer)
    central_account = central_account_of(each_consumer)
    (accept,) = [
        statement
        for roles, statement in statements(each_consumer)
        if role in roles and "ram:AcceptResourceShareInvitation" in as_list(statement["Action"])
    ]

    assert {action for action in actions_of(each_consumer, role) if action.startswith("ram:")} == {
        "ram:GetResourceShareInvitations",
        "ram:AcceptResourceShareInvitation",
        "ram:ListResources",
    }
    assert as_list(accept["Action"]) == ["ram:AcceptResourceShareInvitation"]
    assert render(accept["Resource"], each_consumer) == (
        f"arn:aws:ram:{each_consumer.variant.region}:{central_account}:resource-share-invitation/*"
    )
    assert accept["Condition"] == {"StringEquals": {"ram:ShareOwnerAccountId": central_account}}
    assert "ram:RejectResourceShareInvitation" not in actions_of(each_consumer, role)


def test_the_role_may_create_and_read_only_links_in_this_accounts_catalog(
    each_consumer: SynthesizedStack,
) -> None:
    role = role_id(each_consumer)
    glue = glue_arn(each_consumer)
    glue_actions = {action for action in actions_of(each_consumer, role) if action.startswith("glue:")}

    assert glue_actions == {"glue:CreateDatabase", "glue:GetDatabase", "glue:CreateTable", "glue:GetTable"}
    for action in ("glue:CreateDatabase", "glue:GetDatabase"):
        assert resources_for(each_consumer, role, action) == {
            f"{glue}:catalog",
            f"{glue}:database/shared_*",
            f"{glue}:database/lakegate_shared",
        }
    for action in ("glue:CreateTable", "glue:GetTable"):
        assert resources_for(each_consumer, role, action) == {
            f"{glue}:catalog",
            f"{glue}:database/lakegate_shared",
            f"{glue}:table/lakegate_shared/*",
        }


def test_only_list_calls_and_tracing_are_granted_on_every_resource(each_consumer: SynthesizedStack) -> None:
    for _, statement in statements(each_consumer):
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), action
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) <= {
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "ram:GetResourceShareInvitations",
                "ram:ListResources",
            }, statement


def test_nothing_trusts_or_grants_anything_to_another_account(each_consumer: SynthesizedStack) -> None:
    resources = each_consumer.resources
    central_account = central_account_of(each_consumer)
    rules = {f"<{rule_id}.Arn>" for rule_id in resources_of_type(each_consumer, "AWS::Events::Rule")}

    # Only identity policies, the function, its logs and its schedule: no resource policy of any kind.
    assert {
        resource["Type"] for resource in resources.values() if resource["Type"] != "AWS::CDK::Metadata"
    } == {
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::Events::Rule",
    }
    for role in resources_of_type(each_consumer, "AWS::IAM::Role").values():
        (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert "ManagedPolicyArns" not in role["Properties"]
    for permission in resources_of_type(each_consumer, "AWS::Lambda::Permission").values():
        assert permission["Properties"]["Principal"] == "events.amazonaws.com"
        assert render(permission["Properties"]["SourceArn"], each_consumer) in rules
    # No account is named but the central one, and that only where the function learns which
    # invitations to accept: its environment, and the accept statement's resource and condition. (The
    # code's location is left out: it names the deploying account's own bootstrap bucket, and the variants
    # deploy the consumer stack to the central account.)
    text = json.dumps(
        {
            logical_id: {**resource, "Properties": {**resource["Properties"], "Code": None}}
            if resource["Type"] == "AWS::Lambda::Function"
            else resource
            for logical_id, resource in resources.items()
        }
    )
    assert set(re.findall(r"(?<!\d)\d{12}(?!\d)", text)) == {central_account}
    assert text.count(central_account) == 3


def test_the_role_to_make_a_data_lake_administrator_is_an_output(each_consumer: SynthesizedStack) -> None:
    outputs = each_consumer.document["Outputs"]

    assert outputs["AcceptanceRoleArn"]["Value"] == {"Fn::GetAtt": [role_id(each_consumer), "Arn"]}
    assert "data lake administrator" in outputs["AcceptanceRoleArn"]["Description"]


def test_the_consumer_stack_is_built_with_every_optional_part_off(minimal_consumer: SynthesizedStack) -> None:
    # It needs only the central account id (the fixture fails when the MINIMAL variant has no such stack).
    assert minimal_consumer.has(FUNCTION) and minimal_consumer.has(SCHEDULE)
    assert central_account_of(minimal_consumer) == MINIMAL.account
