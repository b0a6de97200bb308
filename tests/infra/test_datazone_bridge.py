"""The SageMaker Catalog (DataZone) bridge: default-bus rules, domain-scoped rights, the producer role."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs

from lakegate.datazone.rules import compact_json
from stacks.app_factory import CENTRAL_STACK, build_app
from stacks.rule_function import RuleFunction
from tests.infra.app_context import (
    CENTRAL_ACCOUNT,
    DATAZONE_DOMAIN,
    DATAZONE_RULES,
    FULL,
    PRODUCER_ACCOUNT,
    PROJECT_TOPIC_ARN,
)
from tests.infra.cfn import (
    KEY,
    actions_of,
    as_list,
    assert_topic_requires_tls,
    construct_paths,
    function_path,
    render,
    resources_for,
    resources_of_type,
    statements,
    statements_of,
)
from tests.infra.synth import ROOT, Assembly, SynthesizedStack, Variant

pytestmark = pytest.mark.infra

APPROVAL = "DataZoneAutoApproval"
APPROVAL_FUNCTION = f"{APPROVAL}/ApproveSubscriptionRequests/Function"
APPROVAL_ROLE = f"{APPROVAL}/ApproveSubscriptionRequests/Role"
APPROVAL_RULE = f"{APPROVAL}/ApproveSubscriptionRequests/EventRule"
DECISION_TOPIC = f"{APPROVAL}/SubscriptionDecisions"
FULFILMENT = "DataZoneS3Fulfilment"
FULFILMENT_FUNCTION = f"{FULFILMENT}/FulfilS3Subscriptions/Function"
FULFILMENT_ROLE = f"{FULFILMENT}/FulfilS3Subscriptions/Role"
FULFILMENT_RULE = f"{FULFILMENT}/FulfilS3Subscriptions/EventRule"
LOCK_TABLE = f"{FULFILMENT}/PolicyLocks"
# Each part's DataZone calls, in a policy of their own (IAM allows them only on "*").
DATAZONE_POLICY = "DataZonePermissions"

APPROVAL_HANDLER = "lakegate.handlers.approve_subscription_requests.handler"
FULFILMENT_HANDLER = "lakegate.handlers.fulfil_s3_subscriptions.handler"
APPROVAL_ACTIONS = {
    "datazone:GetSubscriptionRequestDetails",
    "datazone:AcceptSubscriptionRequest",
    "datazone:RejectSubscriptionRequest",
}
FULFILMENT_ACTIONS = {
    "datazone:GetSubscription",
    "datazone:ListSubscriptionGrants",
    "datazone:GetSubscriptionGrant",
    "datazone:GetSubscriptionTarget",
    "datazone:ListEnvironments",
    "datazone:UpdateSubscriptionGrantStatus",
}
FULFILMENT_ROLE_ARN = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/LakegateS3Fulfilment"


def glue_arns(stack: SynthesizedStack, *accounts: str) -> set[str]:
    """The catalog, databases and tables of ``accounts`` in the region ``stack`` is deployed to."""
    return {
        f"arn:aws:glue:{stack.variant.region}:{account}:{resource}"
        for account in accounts
        for resource in ("catalog", "database/*", "table/*/*")
    }


def roles_named(stack: SynthesizedStack, name: str) -> Mapping[str, Mapping[str, Any]]:
    return {
        logical_id: role
        for logical_id, role in resources_of_type(stack, "AWS::IAM::Role").items()
        if role["Properties"].get("RoleName") == name
    }


def functions_with_handler(stack: SynthesizedStack, handler: str) -> Mapping[str, Mapping[str, Any]]:
    return {
        logical_id: function
        for logical_id, function in resources_of_type(stack, "AWS::Lambda::Function").items()
        if function["Properties"]["Handler"] == handler
    }


def datazone_rules_of(stack: SynthesizedStack) -> list[Mapping[str, Any]]:
    return [
        rule
        for rule in resources_of_type(stack, "AWS::Events::Rule").values()
        if "aws.datazone" in rule["Properties"].get("EventPattern", {}).get("source", [])
    ]


def assert_datazone_calls_alone_in_their_policy(
    stack: SynthesizedStack, part: str, role: str, actions: set[str]
) -> None:
    """The part's DataZone actions are allowed on "*" in a policy holding nothing else, for its role only.

    The policy's cdk-nag acknowledgement (Resource::*) then covers exactly these actions.
    """
    policy = stack.properties(f"{part}/{DATAZONE_POLICY}")
    (statement,) = policy["PolicyDocument"]["Statement"]

    assert policy["Roles"] == [{"Ref": role}]
    assert (statement["Effect"], set(as_list(statement["Action"])), statement["Resource"]) == (
        "Allow",
        actions,
        "*",
    )
    assert "Condition" not in statement


# --- part 1: auto-approval ---------------------------------------------------------------------


def test_auto_approval_runs_on_new_subscription_requests_of_the_domain_on_the_default_bus(
    central: SynthesizedStack,
) -> None:
    rule = central.properties(APPROVAL_RULE)

    assert rule["EventPattern"] == {
        "source": ["aws.datazone"],
        "detail-type": ["Subscription Request Created"],
        "detail": {"metadata": {"domain": [DATAZONE_DOMAIN]}},
    }
    assert "EventBusName" not in rule  # the default bus, where DataZone puts its events
    assert rule["Targets"] == [
        {"Arn": {"Fn::GetAtt": [central.id(APPROVAL_FUNCTION), "Arn"]}, "Id": "Target0"}
    ]


def test_auto_approval_function_has_exactly_the_domain_the_rules_and_the_decision_topic(
    central: SynthesizedStack,
) -> None:
    properties = central.properties(APPROVAL_FUNCTION)

    assert properties["Handler"] == APPROVAL_HANDLER
    assert properties["Environment"]["Variables"] == {
        "DATAZONE_DOMAIN_ID": DATAZONE_DOMAIN,
        "AUTO_APPROVAL_RULES": compact_json(DATAZONE_RULES),
        "DECISION_TOPIC_ARN": {"Ref": central.id(DECISION_TOPIC)},
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }
    assert (properties["Runtime"], properties["MemorySize"], properties["Timeout"]) == ("python3.12", 256, 60)
    assert properties["TracingConfig"] == {"Mode": "Active"}
    workflow = central.properties(function_path("grant_access"))
    assert (properties["Code"], properties["Layers"]) == (workflow["Code"], workflow["Layers"])


def test_decision_topic_is_encrypted_with_the_central_key_requires_tls_and_is_an_output(
    central: SynthesizedStack,
) -> None:
    topic_id = central.id(DECISION_TOPIC)

    assert central.properties(DECISION_TOPIC)["KmsMasterKeyId"] == {"Fn::GetAtt": [central.id(KEY), "Arn"]}
    assert_topic_requires_tls(central.template, topic_id)
    assert central.document["Outputs"]["SubscriptionDecisionTopicArn"]["Value"] == {"Ref": topic_id}


def test_auto_approval_may_decide_subscription_requests_only_publish_to_its_topics_and_read_glue(
    central: SynthesizedStack,
) -> None:
    role = central.id(APPROVAL_ROLE)
    log_group = central.properties(APPROVAL_FUNCTION)["LoggingConfig"]["LogGroup"]["Ref"]

    assert actions_of(central, role) == {
        *APPROVAL_ACTIONS,
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey*",
        "glue:GetDatabase",
        "glue:GetTable",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert_datazone_calls_alone_in_their_policy(central, APPROVAL, role, APPROVAL_ACTIONS)
    assert resources_for(central, role, "sns:Publish") == {
        f"<{central.id(DECISION_TOPIC)}>",
        PROJECT_TOPIC_ARN,
    }
    (project_topics,) = [s for s in statements_of(central, role) if s.get("Sid") == "PublishToProjectTopics"]
    assert project_topics["Action"] == "sns:Publish"
    assert resources_for(central, role, "kms:GenerateDataKey*") == {f"<{central.id(KEY)}.Arn>"}
    for action in ("glue:GetDatabase", "glue:GetTable"):
        assert resources_for(central, role, action) == glue_arns(central, CENTRAL_ACCOUNT, PRODUCER_ACCOUNT)
    assert resources_for(central, role, "logs:PutLogEvents") == {f"<{log_group}.Arn>"}


# --- part 2: S3 fulfilment ---------------------------------------------------------------------


def test_fulfilment_runs_on_the_domains_subscription_changes_on_the_default_bus(
    central: SynthesizedStack,
) -> None:
    rule = central.properties(FULFILMENT_RULE)

    assert rule["EventPattern"] == {
        "source": ["aws.datazone"],
        "detail-type": ["Subscription Created", "Subscription Cancelled", "Subscription Revoked"],
        "detail": {"metadata": {"domain": [DATAZONE_DOMAIN]}},
    }
    assert "EventBusName" not in rule
    assert rule["Targets"] == [
        {"Arn": {"Fn::GetAtt": [central.id(FULFILMENT_FUNCTION), "Arn"]}, "Id": "Target0"}
    ]


def test_fulfilment_function_has_exactly_its_environment_and_a_fixed_role_name(
    central: SynthesizedStack,
) -> None:
    properties = central.properties(FULFILMENT_FUNCTION)

    assert properties["Handler"] == FULFILMENT_HANDLER
    assert properties["Environment"]["Variables"] == {
        "DATAZONE_DOMAIN_ID": DATAZONE_DOMAIN,
        "S3_POLICY_ROLE_NAME": "LakegateS3PolicyEditor",
        "BUCKET_ACCOUNTS": json.dumps({"sales-data": PRODUCER_ACCOUNT}, separators=(",", ":")),
        "POLICY_LOCK_TABLE": {"Ref": central.id(LOCK_TABLE)},
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }
    assert (properties["Runtime"], properties["MemorySize"], properties["Timeout"]) == (
        "python3.12",
        256,
        120,
    )
    assert central.properties(FULFILMENT_ROLE)["RoleName"] == "LakegateS3Fulfilment"
    assert central.document["Outputs"]["S3FulfilmentRoleArn"]["Value"] == {
        "Fn::GetAtt": [central.id(FULFILMENT_ROLE), "Arn"]
    }


def test_the_auto_approval_role_is_an_output_for_datazone_project_membership(
    central: SynthesizedStack,
) -> None:
    assert central.document["Outputs"]["AutoApprovalRoleArn"]["Value"] == {
        "Fn::GetAtt": [central.id(APPROVAL_ROLE), "Arn"]
    }


def test_lock_table_is_keyed_by_bucket_expires_by_ttl_and_uses_the_central_key(
    central: SynthesizedStack,
) -> None:
    table = central.resources[central.id(LOCK_TABLE)]

    assert table["Properties"] == {
        "KeySchema": [{"AttributeName": "bucket", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "bucket", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        "SSESpecification": {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Fn::GetAtt": [central.id(KEY), "Arn"]},
        },
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }
    assert table["DeletionPolicy"] == "Delete"


def test_fulfilment_may_update_grants_lock_buckets_and_assume_only_the_policy_editors(
    central: SynthesizedStack,
) -> None:
    role = central.id(FULFILMENT_ROLE)
    lock_actions = {"dynamodb:PutItem", "dynamodb:DeleteItem"}

    assert actions_of(central, role) == {
        *FULFILMENT_ACTIONS,
        *lock_actions,
        "kms:Decrypt",
        "kms:GenerateDataKey*",
        "sts:AssumeRole",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert_datazone_calls_alone_in_their_policy(central, FULFILMENT, role, FULFILMENT_ACTIONS)
    for action in lock_actions:
        assert resources_for(central, role, action) == {f"<{central.id(LOCK_TABLE)}.Arn>"}
    assert resources_for(central, role, "kms:Decrypt") == {f"<{central.id(KEY)}.Arn>"}
    assert resources_for(central, role, "sts:AssumeRole") == {
        f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/LakegateS3PolicyEditor"
    }


def test_only_the_bridge_functions_act_on_the_domain(central: SynthesizedStack) -> None:
    bridge_roles = {central.id(APPROVAL_ROLE), central.id(FULFILMENT_ROLE)}
    for roles, statement in statements(central):
        if any(action.startswith("datazone:") for action in as_list(statement["Action"])):
            assert set(roles) <= bridge_roles, statement


# --- producer stack ------------------------------------------------------------------------------


def test_policy_editor_role_trusts_exactly_the_central_fulfilment_role(producer: SynthesizedStack) -> None:
    ((_, role),) = roles_named(producer, "LakegateS3PolicyEditor").items()
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]

    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert set(statement["Principal"]) == {"AWS"}
    assert [render(principal, producer) for principal in as_list(statement["Principal"]["AWS"])] == [
        FULFILMENT_ROLE_ARN
    ]
    assert "Condition" not in statement


def test_policy_editor_role_may_only_edit_bucket_policies_of_its_own_account(
    producer: SynthesizedStack,
) -> None:
    ((role_id, role),) = roles_named(producer, "LakegateS3PolicyEditor").items()
    (statement,) = statements_of(producer, role_id)

    assert role_id == producer.id("S3PolicyEditorRole")
    assert "ManagedPolicyArns" not in role["Properties"]
    assert statement["Effect"] == "Allow"
    assert set(as_list(statement["Action"])) == {
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
    }
    assert [render(arn, producer) for arn in as_list(statement["Resource"])] == ["arn:aws:s3:::*"]
    assert statement["Condition"] == {"StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}}
    assert producer.document["Outputs"]["S3PolicyEditorRoleArn"]["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}


# --- off by default (the MINIMAL variant) --------------------------------------------------------


def test_with_the_bridge_off_no_datazone_rule_function_or_role_exists(
    minimal_central: SynthesizedStack, minimal_producer: SynthesizedStack
) -> None:
    stacks = (minimal_central, minimal_producer)

    assert not [path for path in construct_paths(minimal_central) if path.startswith("DataZone")]
    assert not minimal_producer.has("S3PolicyEditorRole")
    assert datazone_rules_of(minimal_central) == []
    assert functions_with_handler(minimal_central, APPROVAL_HANDLER) == {}
    assert functions_with_handler(minimal_central, FULFILMENT_HANDLER) == {}
    assert roles_named(minimal_central, "LakegateS3Fulfilment") == {}
    assert roles_named(minimal_producer, "LakegateS3PolicyEditor") == {}
    assert len(resources_of_type(minimal_central, "AWS::DynamoDB::Table")) == 1  # the ledger only
    for stack in stacks:
        for _, statement in statements(stack):
            assert not any(a.startswith(("datazone:", "s3:")) for a in as_list(statement["Action"]))
    outputs = {output for stack in stacks for output in stack.document["Outputs"]}
    assert not outputs & {
        "SubscriptionDecisionTopicArn",
        "AutoApprovalRoleArn",
        "S3FulfilmentRoleArn",
        "S3PolicyEditorRoleArn",
    }


# --- with the default rules file and no bucket accounts --------------------------------------------

# Both parts on, another producer account, no bucket accounts and no central account (so only the central
# stack): a shape neither session variant has.
OTHER_PRODUCER_ACCOUNT = "333333333333"
DEFAULT_RULES_FILE = Variant(
    name="datazone-default-rules-file",
    account=CENTRAL_ACCOUNT,
    region=FULL.region,
    context={
        "producer_account_ids": OTHER_PRODUCER_ACCOUNT,
        "datazone_domain_id": DATAZONE_DOMAIN,
        "datazone_auto_approval": "true",
        "datazone_s3_fulfilment": "true",
    },
)


@pytest.fixture(scope="module")
def default_rules_file(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedStack:
    """The central stack of ``DEFAULT_RULES_FILE``; the synth fails on any unacknowledged finding.

    Built in this process, cheaper than another CLI synth, with what the CLI would give the app:
    cdk.json's context (the feature flags among it), the variant's ``-c`` context, its env and path metadata.
    """
    outdir = tmp_path_factory.mktemp("datazone.out")
    cdk_json: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    context = {**cdk_json, **DEFAULT_RULES_FILE.context, "aws:cdk:enable-path-metadata": True}
    environment = Environment(account=DEFAULT_RULES_FILE.account, region=DEFAULT_RULES_FILE.region)
    with contextlib.redirect_stderr(io.StringIO()):  # "producer and consumer stacks not built"
        app = build_app(context, env=environment, outdir=str(outdir))
    app.synth()  # raises on any unacknowledged cdk-nag finding
    return Assembly(DEFAULT_RULES_FILE, Path(outdir)).stack(CENTRAL_STACK)


def test_only_the_policy_editor_of_a_producer_account_may_be_assumed(
    default_rules_file: SynthesizedStack,
) -> None:
    central = default_rules_file
    variables = central.properties(FULFILMENT_FUNCTION)["Environment"]["Variables"]

    assert resources_for(central, central.id(FULFILMENT_ROLE), "sts:AssumeRole") == {
        f"arn:aws:iam::{OTHER_PRODUCER_ACCOUNT}:role/LakegateS3PolicyEditor"
    }
    assert variables["BUCKET_ACCOUNTS"] == "{}"


def test_the_default_rules_file_is_used_and_glue_is_read_in_this_and_the_producer_account(
    default_rules_file: SynthesizedStack,
) -> None:
    central = default_rules_file
    role = central.id(APPROVAL_ROLE)
    variables = central.properties(APPROVAL_FUNCTION)["Environment"]["Variables"]
    default_rules = json.loads((ROOT / "datazone-rules.json").read_text(encoding="utf-8"))

    assert variables["AUTO_APPROVAL_RULES"] == compact_json(default_rules)
    assert resources_for(central, role, "glue:GetTable") == glue_arns(
        central, CENTRAL_ACCOUNT, OTHER_PRODUCER_ACCOUNT
    )
    # The default file names no project topic: the decision topic is the only one published to.
    assert resources_for(central, role, "sns:Publish") == {f"<{central.id(DECISION_TOPIC)}>"}


# --- the rule-triggered function ---------------------------------------------------------------


@pytest.mark.parametrize("triggers", ["none", "both"])
def test_a_rule_function_needs_exactly_one_trigger(triggers: str) -> None:
    schedule = events.Schedule.rate(Duration.hours(1)) if triggers == "both" else None
    pattern = events.EventPattern(source=["aws.datazone"]) if triggers == "both" else None

    with pytest.raises(ValueError, match="exactly one of schedule and event_pattern"):
        RuleFunction(
            Stack(App(), "Stack"),
            "Function",
            handler="lakegate.handlers.example.handler",
            description="example",
            environment={},
            log_retention=logs.RetentionDays.ONE_DAY,
            timeout=Duration.seconds(10),
            schedule=schedule,
            event_pattern=pattern,
        )
