"""The SageMaker Catalog (DataZone) bridge: default-bus rules, domain-scoped rights, the producer role."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from lakegate.datazone_rules import compact_json
from stacks.app_factory import CENTRAL_STACK, build_app
from stacks.central import CentralStack
from stacks.config import LakegateConfig
from stacks.producer import ProducerStack
from stacks.rule_function import RuleFunction
from tests.infra.app_context import (
    CENTRAL_ACCOUNT,
    DATAZONE_DOMAIN,
    DATAZONE_RULES,
    PRODUCER_ACCOUNT,
    PROJECT_TOPIC_ARN,
)
from tests.infra.cfn import (
    PSEUDO_PARAMETERS,
    actions_of,
    as_list,
    assert_topic_requires_tls,
    logical_id,
    render,
    resources_for,
    statements,
    statements_of,
)

pytestmark = pytest.mark.infra

ACCOUNT = PSEUDO_PARAMETERS["AWS::AccountId"]
DOMAIN_ARN = f"arn:aws:datazone:eu-west-1:{ACCOUNT}:domain/{DATAZONE_DOMAIN}"
APPROVAL_HANDLER = "handlers.approve_subscription_requests.handler"
FULFILMENT_HANDLER = "handlers.fulfil_s3_subscriptions.handler"
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
ROOT = Path(__file__).resolve().parents[2]


def glue_arns(*accounts: str) -> set[str]:
    return {
        f"arn:aws:glue:eu-west-1:{account}:{resource}"
        for account in accounts
        for resource in ("catalog", "database/*", "table/*/*")
    }


def resource(template: Template, construct: Any) -> dict[str, Any]:
    found: dict[str, Any] = template.to_json()["Resources"][logical_id(construct)]
    return found


def roles_named(template: Template, name: str) -> Mapping[str, Mapping[str, Any]]:
    return template.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": name}})


def functions_with_handler(template: Template, handler: str) -> Mapping[str, Mapping[str, Any]]:
    return template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": handler}})


def datazone_rules_of(template: Template) -> list[Mapping[str, Any]]:
    return [
        rule
        for rule in template.find_resources("AWS::Events::Rule").values()
        if "aws.datazone" in rule["Properties"].get("EventPattern", {}).get("source", [])
    ]


# --- part 1: auto-approval ---------------------------------------------------------------------


def test_auto_approval_runs_on_new_subscription_requests_of_the_domain_on_the_default_bus(
    central: CentralStack, central_template: Template
) -> None:
    approval = central.datazone_approval
    assert approval is not None
    rule = resource(central_template, approval.rule)["Properties"]

    assert rule["EventPattern"] == {
        "source": ["aws.datazone"],
        "detail-type": ["Subscription Request Created"],
        "detail": {"metadata": {"domain": [DATAZONE_DOMAIN]}},
    }
    assert "EventBusName" not in rule  # the default bus, where DataZone puts its events
    assert rule["Targets"] == [
        {"Arn": {"Fn::GetAtt": [logical_id(approval.function), "Arn"]}, "Id": "Target0"}
    ]


def test_auto_approval_function_has_exactly_the_domain_the_rules_and_the_decision_topic(
    central: CentralStack, central_template: Template
) -> None:
    approval = central.datazone_approval
    assert approval is not None
    properties = resource(central_template, approval.function)["Properties"]

    assert properties["Handler"] == APPROVAL_HANDLER
    assert properties["Environment"]["Variables"] == {
        "DATAZONE_DOMAIN_ID": DATAZONE_DOMAIN,
        "AUTO_APPROVAL_RULES": compact_json(DATAZONE_RULES),
        "DECISION_TOPIC_ARN": {"Ref": logical_id(approval.topic)},
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }
    assert (properties["Runtime"], properties["MemorySize"], properties["Timeout"]) == ("python3.12", 256, 60)
    assert properties["TracingConfig"] == {"Mode": "Active"}
    workflow = resource(central_template, central.functions["grant_access"])["Properties"]
    assert (properties["Code"], properties["Layers"]) == (workflow["Code"], workflow["Layers"])


def test_decision_topic_is_encrypted_with_the_central_key_requires_tls_and_is_an_output(
    central: CentralStack, central_template: Template
) -> None:
    approval = central.datazone_approval
    assert approval is not None
    topic_id = logical_id(approval.topic)

    assert resource(central_template, approval.topic)["Properties"]["KmsMasterKeyId"] == {
        "Fn::GetAtt": [logical_id(central.key), "Arn"]
    }
    assert_topic_requires_tls(central_template, topic_id)
    assert central_template.to_json()["Outputs"]["SubscriptionDecisionTopicArn"]["Value"] == {"Ref": topic_id}


def test_auto_approval_may_decide_on_the_domain_only_publish_to_its_topics_and_read_glue(
    central: CentralStack, central_template: Template
) -> None:
    approval = central.datazone_approval
    assert approval is not None
    role = logical_id(approval.role)
    log_group = resource(central_template, approval.function)["Properties"]["LoggingConfig"]["LogGroup"][
        "Ref"
    ]

    assert actions_of(central_template, role) == {
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
    for action in APPROVAL_ACTIONS:
        assert resources_for(central_template, role, action) == {DOMAIN_ARN}
    assert resources_for(central_template, role, "sns:Publish") == {
        f"<{logical_id(approval.topic)}>",
        PROJECT_TOPIC_ARN,
    }
    (project_topics,) = [
        s for s in statements_of(central_template, role) if s.get("Sid") == "PublishToProjectTopics"
    ]
    assert project_topics["Action"] == "sns:Publish"
    assert resources_for(central_template, role, "kms:GenerateDataKey*") == {
        f"<{logical_id(central.key)}.Arn>"
    }
    for action in ("glue:GetDatabase", "glue:GetTable"):
        assert resources_for(central_template, role, action) == glue_arns(ACCOUNT, PRODUCER_ACCOUNT)
    assert resources_for(central_template, role, "logs:PutLogEvents") == {f"<{log_group}.Arn>"}


# --- part 2: S3 fulfilment ---------------------------------------------------------------------


def test_fulfilment_runs_on_the_domains_subscription_changes_on_the_default_bus(
    central: CentralStack, central_template: Template
) -> None:
    fulfilment = central.s3_fulfilment
    assert fulfilment is not None
    rule = resource(central_template, fulfilment.rule)["Properties"]

    assert rule["EventPattern"] == {
        "source": ["aws.datazone"],
        "detail-type": ["Subscription Created", "Subscription Cancelled", "Subscription Revoked"],
        "detail": {"metadata": {"domain": [DATAZONE_DOMAIN]}},
    }
    assert "EventBusName" not in rule
    assert rule["Targets"] == [
        {"Arn": {"Fn::GetAtt": [logical_id(fulfilment.function), "Arn"]}, "Id": "Target0"}
    ]


def test_fulfilment_function_has_exactly_its_environment_and_a_fixed_role_name(
    central: CentralStack, central_template: Template
) -> None:
    fulfilment = central.s3_fulfilment
    assert fulfilment is not None
    properties = resource(central_template, fulfilment.function)["Properties"]

    assert properties["Handler"] == FULFILMENT_HANDLER
    assert properties["Environment"]["Variables"] == {
        "DATAZONE_DOMAIN_ID": DATAZONE_DOMAIN,
        "S3_POLICY_ROLE_NAME": "LakegateS3PolicyEditor",
        "BUCKET_ACCOUNTS": json.dumps({"sales-data": PRODUCER_ACCOUNT}, separators=(",", ":")),
        "POLICY_LOCK_TABLE": {"Ref": logical_id(fulfilment.lock_table)},
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }
    assert (properties["Runtime"], properties["MemorySize"], properties["Timeout"]) == (
        "python3.12",
        256,
        120,
    )
    assert resource(central_template, fulfilment.role)["Properties"]["RoleName"] == "LakegateS3Fulfilment"
    assert central_template.to_json()["Outputs"]["S3FulfilmentRoleArn"]["Value"] == {
        "Fn::GetAtt": [logical_id(fulfilment.role), "Arn"]
    }


def test_the_auto_approval_role_is_an_output_for_datazone_project_membership(
    central: CentralStack, central_template: Template
) -> None:
    approval = central.datazone_approval
    assert approval is not None
    assert central_template.to_json()["Outputs"]["AutoApprovalRoleArn"]["Value"] == {
        "Fn::GetAtt": [logical_id(approval.role), "Arn"]
    }


def test_lock_table_is_keyed_by_bucket_expires_by_ttl_and_uses_the_central_key(
    central: CentralStack, central_template: Template
) -> None:
    fulfilment = central.s3_fulfilment
    assert fulfilment is not None
    table = resource(central_template, fulfilment.lock_table)

    assert table["Properties"] == {
        "KeySchema": [{"AttributeName": "bucket", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "bucket", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        "SSESpecification": {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Fn::GetAtt": [logical_id(central.key), "Arn"]},
        },
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }
    assert table["DeletionPolicy"] == "Delete"


def test_fulfilment_may_update_grants_on_the_domain_lock_buckets_and_assume_only_the_policy_editors(
    central: CentralStack, central_template: Template
) -> None:
    fulfilment = central.s3_fulfilment
    assert fulfilment is not None
    role = logical_id(fulfilment.role)
    lock_actions = {"dynamodb:PutItem", "dynamodb:DeleteItem"}

    assert actions_of(central_template, role) == {
        *FULFILMENT_ACTIONS,
        *lock_actions,
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "sts:AssumeRole",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    for action in FULFILMENT_ACTIONS:
        assert resources_for(central_template, role, action) == {DOMAIN_ARN}
    for action in lock_actions:
        assert resources_for(central_template, role, action) == {f"<{logical_id(fulfilment.lock_table)}.Arn>"}
    assert resources_for(central_template, role, "kms:Decrypt") == {f"<{logical_id(central.key)}.Arn>"}
    assert resources_for(central_template, role, "sts:AssumeRole") == {
        f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/LakegateS3PolicyEditor"
    }


def test_only_the_bridge_functions_act_on_the_domain(
    central: CentralStack, central_template: Template
) -> None:
    assert central.datazone_approval is not None and central.s3_fulfilment is not None
    bridge_roles = {logical_id(central.datazone_approval.role), logical_id(central.s3_fulfilment.role)}
    for roles, statement in statements(central_template):
        if any(action.startswith("datazone:") for action in as_list(statement["Action"])):
            assert set(roles) <= bridge_roles, statement


# --- producer stack ------------------------------------------------------------------------------


def test_policy_editor_role_trusts_exactly_the_central_fulfilment_role(producer_template: Template) -> None:
    ((_, role),) = roles_named(producer_template, "LakegateS3PolicyEditor").items()
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]

    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert set(statement["Principal"]) == {"AWS"}
    assert [render(principal) for principal in as_list(statement["Principal"]["AWS"])] == [
        FULFILMENT_ROLE_ARN
    ]
    assert "Condition" not in statement


def test_policy_editor_role_may_only_edit_bucket_policies_of_its_own_account(
    producer_template: Template,
) -> None:
    ((role_id, role),) = roles_named(producer_template, "LakegateS3PolicyEditor").items()
    (statement,) = statements_of(producer_template, role_id)

    assert "ManagedPolicyArns" not in role["Properties"]
    assert statement["Effect"] == "Allow"
    assert set(as_list(statement["Action"])) == {
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
    }
    assert [render(arn) for arn in as_list(statement["Resource"])] == ["arn:aws:s3:::*"]
    assert statement["Condition"] == {"StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}}
    assert producer_template.to_json()["Outputs"]["S3PolicyEditorRoleArn"]["Value"] == {
        "Fn::GetAtt": [role_id, "Arn"]
    }


# --- off by default ----------------------------------------------------------------------------


def test_with_the_bridge_off_no_datazone_rule_function_or_role_exists() -> None:
    # The default context plus a central account, without cdk-nag: cheaper than the shared app.
    app = App()
    config = LakegateConfig(central_account_id=CENTRAL_ACCOUNT, producer_account_ids=(PRODUCER_ACCOUNT,))
    central = CentralStack(app, "Central", config=config)
    producer = ProducerStack(app, "Producer", config=config)
    central_template, producer_template = Template.from_stack(central), Template.from_stack(producer)

    assert central.datazone_approval is None and central.s3_fulfilment is None
    assert producer.s3_policy_editor is None
    assert datazone_rules_of(central_template) == []
    assert functions_with_handler(central_template, APPROVAL_HANDLER) == {}
    assert functions_with_handler(central_template, FULFILMENT_HANDLER) == {}
    assert roles_named(central_template, "LakegateS3Fulfilment") == {}
    assert roles_named(producer_template, "LakegateS3PolicyEditor") == {}
    assert len(central_template.find_resources("AWS::DynamoDB::Table")) == 1  # the ledger only
    for template in (central_template, producer_template):
        for _, statement in statements(template):
            assert not any(a.startswith(("datazone:", "s3:")) for a in as_list(statement["Action"]))
    outputs = set(central_template.to_json()["Outputs"]) | set(producer_template.to_json()["Outputs"])
    assert not outputs & {
        "SubscriptionDecisionTopicArn",
        "AutoApprovalRoleArn",
        "S3FulfilmentRoleArn",
        "S3PolicyEditorRoleArn",
    }


# --- without producer accounts, with the default rules file --------------------------------------


@dataclass(frozen=True)
class CentralOnly:
    stack: CentralStack
    template: Template


@pytest.fixture(scope="module")
def without_producer_accounts(tmp_path_factory: pytest.TempPathFactory) -> CentralOnly:
    """Both parts on, no producer_account_ids and no central account: cdk-nag must still pass."""
    context = {
        "datazone_domain_id": DATAZONE_DOMAIN,
        "datazone_auto_approval": "true",
        "datazone_s3_fulfilment": "true",
    }
    with contextlib.redirect_stderr(io.StringIO()):
        app = build_app(context, outdir=str(tmp_path_factory.mktemp("datazone.out")))
    app.synth()  # raises on any unacknowledged cdk-nag finding
    stack = app.node.find_child(CENTRAL_STACK)
    assert isinstance(stack, CentralStack)
    return CentralOnly(stack, Template.from_stack(stack))


def test_without_producer_accounts_the_policy_editor_of_any_account_may_be_assumed(
    without_producer_accounts: CentralOnly,
) -> None:
    fulfilment = without_producer_accounts.stack.s3_fulfilment
    assert fulfilment is not None
    template = without_producer_accounts.template
    variables = resource(template, fulfilment.function)["Properties"]["Environment"]["Variables"]

    assert resources_for(template, logical_id(fulfilment.role), "sts:AssumeRole") == {
        "arn:aws:iam::*:role/LakegateS3PolicyEditor"
    }
    assert variables["BUCKET_ACCOUNTS"] == "{}"


def test_the_default_rules_file_is_used_and_glue_is_read_in_this_account_only(
    without_producer_accounts: CentralOnly,
) -> None:
    approval = without_producer_accounts.stack.datazone_approval
    assert approval is not None
    template = without_producer_accounts.template
    role = logical_id(approval.role)
    variables = resource(template, approval.function)["Properties"]["Environment"]["Variables"]
    default_rules = json.loads((ROOT / "datazone-rules.json").read_text(encoding="utf-8"))

    assert variables["AUTO_APPROVAL_RULES"] == compact_json(default_rules)
    assert resources_for(template, role, "glue:GetTable") == glue_arns(ACCOUNT)
    # The default file names no project topic: the decision topic is the only one published to.
    assert resources_for(template, role, "sns:Publish") == {f"<{logical_id(approval.topic)}>"}


# --- the rule-triggered function ---------------------------------------------------------------


@pytest.mark.parametrize("triggers", ["none", "both"])
def test_a_rule_function_needs_exactly_one_trigger(triggers: str) -> None:
    schedule = events.Schedule.rate(Duration.hours(1)) if triggers == "both" else None
    pattern = events.EventPattern(source=["aws.datazone"]) if triggers == "both" else None

    with pytest.raises(ValueError, match="exactly one of schedule and event_pattern"):
        RuleFunction(
            Stack(App(), "Stack"),
            "Function",
            handler="handlers.example.handler",
            description="example",
            environment={},
            log_retention=logs.RetentionDays.ONE_DAY,
            timeout=Duration.seconds(10),
            schedule=schedule,
            event_pattern=pattern,
        )
