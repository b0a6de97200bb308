"""The producer stack: an encrypted approval topic and a role only the central publisher can assume."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.infra.app_context import CENTRAL_ACCOUNT, FULL, MINIMAL
from tests.infra.cfn import as_list, assert_topic_requires_tls, render, resources_for, resources_of_type
from tests.infra.synth import SynthesizedStack

pytestmark = pytest.mark.infra

PUBLISHER_ARN = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/LakegateApprovalPublisher"


def only(template: Template, resource_type: str) -> tuple[str, Mapping[str, Any]]:
    """The id and body of the single resource of ``resource_type``."""
    (found,) = template.find_resources(resource_type).items()
    return found


def producer_role(template: Template) -> tuple[str, Mapping[str, Any]]:
    """The id and body of the producer role (the S3 policy-editor role is another)."""
    (found,) = template.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": "ProducerWorkflowRole"}}
    ).items()
    return found


def test_approval_topic_has_its_contract_name_the_producers_key_and_requires_tls(
    producer_template: Template,
) -> None:
    key_id, _ = only(producer_template, "AWS::KMS::Key")
    topic_id, topic = only(producer_template, "AWS::SNS::Topic")

    assert topic["Properties"]["TopicName"] == "DataLakeSharingApproval"
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert_topic_requires_tls(producer_template, topic_id)


def test_approvers_are_subscribed_by_email(producer_template: Template) -> None:
    topic_id, _ = only(producer_template, "AWS::SNS::Topic")
    producer_template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "owner@example.com", "TopicArn": {"Ref": topic_id}},
    )


def test_producer_role_trusts_exactly_the_central_publisher_role(
    producer: SynthesizedStack, producer_template: Template
) -> None:
    _, role = producer_role(producer_template)
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    principals = [render(principal, producer) for principal in as_list(statement["Principal"]["AWS"])]

    assert role["Properties"]["RoleName"] == "ProducerWorkflowRole"
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert set(statement["Principal"]) == {"AWS"}
    assert principals == [PUBLISHER_ARN]
    assert not any(principal.endswith(":root") or principal.isdigit() for principal in principals)


def test_producer_role_may_only_publish_to_the_approval_topic(
    producer: SynthesizedStack, producer_template: Template
) -> None:
    role_id, _ = producer_role(producer_template)
    topic_id, _ = only(producer_template, "AWS::SNS::Topic")
    key_id, _ = only(producer_template, "AWS::KMS::Key")
    statements = [
        statement
        for policy in producer_template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]

    assert {action for statement in statements for action in as_list(statement["Action"])} == {
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey*",
    }
    assert resources_for(producer, role_id, "sns:Publish") == {f"<{topic_id}>"}
    assert resources_for(producer, role_id, "kms:GenerateDataKey*") == {f"<{key_id}.Arn>"}


def test_key_policy_lets_the_producer_role_encrypt_through_sns(
    producer: SynthesizedStack, producer_template: Template
) -> None:
    role_id, _ = producer_role(producer_template)
    _, key = only(producer_template, "AWS::KMS::Key")
    (statement,) = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"AWS": {"Fn::GetAtt": [role_id, "Arn"]}}
    ]

    assert statement["Effect"] == "Allow"
    assert set(as_list(statement["Action"])) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert render(statement["Condition"]["StringEquals"]["kms:ViaService"], producer) == (
        f"sns.{FULL.region}.amazonaws.com"
    )


def test_outputs_give_central_operators_the_topic_and_role(producer_template: Template) -> None:
    assert {"ApprovalTopicArn", "ProducerRoleArn"} <= set(producer_template.to_json()["Outputs"])


def test_with_every_optional_part_off_the_stack_has_only_the_topic_and_the_producer_role(
    minimal_producer: SynthesizedStack,
) -> None:
    (role,) = resources_of_type(minimal_producer, "AWS::IAM::Role").values()
    (key,) = resources_of_type(minimal_producer, "AWS::KMS::Key").values()
    (statement,) = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"AWS": {"Fn::GetAtt": [minimal_producer.id("ProducerRole"), "Arn"]}}
    ]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]

    # No S3 policy editor role (S3 fulfilment off), and no approver subscribed (none configured).
    assert role["Properties"]["RoleName"] == "ProducerWorkflowRole"
    assert not minimal_producer.has("S3PolicyEditorRole")
    assert resources_of_type(minimal_producer, "AWS::SNS::Subscription") == {}
    assert set(minimal_producer.document["Outputs"]) == {"ApprovalTopicArn", "ProducerRoleArn"}
    # The variant's own central account and region.
    assert render(trust["Principal"]["AWS"], minimal_producer) == (
        f"arn:aws:iam::{MINIMAL.context['central_account_id']}:role/LakegateApprovalPublisher"
    )
    assert render(statement["Condition"]["StringEquals"]["kms:ViaService"], minimal_producer) == (
        f"sns.{MINIMAL.region}.amazonaws.com"
    )
