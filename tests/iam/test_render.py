"""Rendering template expressions with the names a test gave its resources."""

from __future__ import annotations

from typing import Any

import pytest

from tests.iam.render import Renderer, Unrenderable, world_of
from tests.iam.templates import Templates

STACK = "Central"
JOIN_EXECUTIONS = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":states:",
            {"Ref": "AWS::Region"},
            ":",
            {"Ref": "AWS::AccountId"},
            ":execution:",
            {"Fn::GetAtt": ["Machine", "Name"]},
            ":*",
        ],
    ]
}


def template(environment: dict[str, Any]) -> Templates:
    resources = {
        "Ledger": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "Approvals"}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Handler": "lakegate.handlers.x.handler",
                "Environment": {"Variables": environment},
            },
        },
    }
    return Templates({STACK: {"Resources": resources}})


def renderer(environment: dict[str, Any], recorded: dict[str, str]) -> Renderer:
    templates = template(environment)
    (function,) = templates.functions("lakegate.handlers.x.handler")
    world = world_of(function, recorded, partition="aws", region="us-east-1", account="123456789012")
    return Renderer(templates, world)


def test_a_bound_name_gives_the_arn_and_a_bound_arn_the_name() -> None:
    render = renderer(
        {"TABLE": {"Ref": "Ledger"}, "MACHINE": {"Ref": "Machine"}},
        {
            "TABLE": "lakegate-ledger",
            "MACHINE": "arn:aws:states:us-east-1:123456789012:stateMachine:requests",
        },
    ).render
    assert (
        render(STACK, {"Fn::GetAtt": ["Ledger", "Arn"]})
        == "arn:aws:dynamodb:us-east-1:123456789012:table/lakegate-ledger"
    )
    assert render(STACK, JOIN_EXECUTIONS) == "arn:aws:states:us-east-1:123456789012:execution:requests:*"


def test_unbound_resources_render_from_their_name_property_or_logical_id() -> None:
    render = renderer({}, {}).render
    assert render(STACK, {"Ref": "Topic"}) == "arn:aws:sns:us-east-1:123456789012:Approvals"
    assert render(STACK, {"Fn::GetAtt": ["Key", "Arn"]}) == "arn:aws:kms:us-east-1:123456789012:key/Key"


def test_a_literal_the_test_set_otherwise_is_rebound_at_name_boundaries_only() -> None:
    render = renderer(
        {"DOMAIN": "dzd_template", "CENTRAL": "123456789012", "SECONDS": "86400"},
        {"DOMAIN": "dzd_test", "CENTRAL": "111111111111", "SECONDS": "1"},
    ).render
    assert (
        render(STACK, "arn:aws:datazone:us-east-1:1:domain/dzd_template")
        == "arn:aws:datazone:us-east-1:1:domain/dzd_test"
    )
    assert render(STACK, "domain/dzd_template-2") == "domain/dzd_template-2"
    invitations = {"Fn::Join": ["", ["arn:aws:ram:", {"Ref": "AWS::Region"}, ":123456789012:invitation/*"]]}
    assert render(STACK, invitations) == "arn:aws:ram:us-east-1:111111111111:invitation/*"
    # A pseudo parameter is the caller's, never rebound; nor are numbers of seconds.
    assert render(STACK, {"Ref": "AWS::AccountId"}) == "123456789012"
    assert render(STACK, "86400") == "86400"


def test_an_attribute_it_cannot_derive_is_unrenderable() -> None:
    with pytest.raises(Unrenderable):
        renderer({}, {}).render(STACK, {"Fn::GetAtt": ["Ledger", "StreamArn"]})
