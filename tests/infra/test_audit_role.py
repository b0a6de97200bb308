"""The audit role: what `lakegate audit` may read in the central account, and who may assume it."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

import statemachine
from stacks.central import CentralStack
from tests.infra.cfn import as_list, logical_id, render, statements_of

pytestmark = pytest.mark.infra

CENTRAL = "999999999999"  # the central account, as the pseudo parameter renders


def audit_role(central: CentralStack, template: Template) -> tuple[str, dict[str, Any]]:
    role_id = logical_id(central.audit_role)
    return role_id, template.to_json()["Resources"][role_id]["Properties"]


def test_the_role_has_its_fixed_name_a_one_hour_session_and_trusts_only_the_central_account(
    central: CentralStack, central_template: Template
) -> None:
    _, role = audit_role(central, central_template)

    assert role["RoleName"] == "LakegateAuditor"
    assert role["MaxSessionDuration"] == 3600
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Action"] == "sts:AssumeRole"
    assert render(trust["Principal"]["AWS"]) == f"arn:aws:iam::{CENTRAL}:root"
    assert "ManagedPolicyArns" not in role and "Policies" not in role


def test_the_role_may_read_the_ledger_settings_cloudtrail_and_lake_formation_permissions_and_nothing_else(
    central: CentralStack, central_template: Template
) -> None:
    role_id, _ = audit_role(central, central_template)
    allowed: dict[str, set[str]] = {}
    for statement in statements_of(central_template, role_id):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            allowed.setdefault(action, set()).update(render(r) for r in as_list(statement["Resource"]))

    table = f"<{logical_id(central.table)}.Arn>"
    settings = logical_id(central.settings)
    parameter = central_template.to_json()["Resources"][settings]["Properties"]
    assert parameter["Name"] == statemachine.CENTRAL_SETTINGS_PARAMETER
    assert allowed == {
        "dynamodb:Scan": {table},
        "dynamodb:GetItem": {table},
        "kms:Decrypt": {f"<{logical_id(central.key)}.Arn>"},
        # The parameter's Ref is its name, /lakegate/central: the ARN reads ...:parameter/lakegate/central.
        "ssm:GetParameter": {f"arn:aws:ssm:eu-west-1:{CENTRAL}:parameter<{settings}>"},
        "cloudtrail:LookupEvents": {"*"},
        "lakeformation:ListPermissions": {"*"},
    }


def test_the_key_decrypts_for_the_role_only_through_dynamodb(
    central: CentralStack, central_template: Template
) -> None:
    role_id, _ = audit_role(central, central_template)
    (decrypt,) = [s for s in statements_of(central_template, role_id) if s["Action"] == "kms:Decrypt"]

    via = decrypt["Condition"]["StringEquals"]["kms:ViaService"]
    assert render(via) == "dynamodb.eu-west-1.amazonaws.com"


def test_no_other_principal_is_given_the_audit_roles_reads_through_its_policies(
    central: CentralStack, central_template: Template
) -> None:
    role_id, _ = audit_role(central, central_template)
    policies = [
        policy
        for policy in central_template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
    ]

    assert len(policies) == 3
    for policy in policies:
        assert policy["Properties"]["Roles"] == [{"Ref": role_id}]
        assert "Users" not in policy["Properties"] and "Groups" not in policy["Properties"]


def test_the_stack_outputs_the_audit_roles_arn(central: CentralStack, central_template: Template) -> None:
    role_id, _ = audit_role(central, central_template)
    output = central_template.to_json()["Outputs"]["AuditRoleArn"]

    assert output["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert "lakegate audit" in output["Description"]
