"""The audit role: what `lakegate audit` may read in the central account, and who may assume it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template

from lakegate.core import manifest
from tests.infra.app_context import CENTRAL_ACCOUNT, FULL
from tests.infra.cfn import AUDIT_ROLE, KEY, SETTINGS, TABLE, as_list, render, statements_of
from tests.infra.synth import SynthesizedStack

pytestmark = pytest.mark.infra


def audit_role(central: SynthesizedStack) -> tuple[str, Mapping[str, Any]]:
    return central.id(AUDIT_ROLE), central.properties(AUDIT_ROLE)


def test_the_role_has_its_fixed_name_a_one_hour_session_and_trusts_only_the_central_account(
    central: SynthesizedStack,
) -> None:
    _, role = audit_role(central)

    assert role["RoleName"] == "LakegateAuditor"
    assert role["MaxSessionDuration"] == 3600
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Action"] == "sts:AssumeRole"
    assert render(trust["Principal"]["AWS"], central) == f"arn:aws:iam::{CENTRAL_ACCOUNT}:root"
    assert "ManagedPolicyArns" not in role and "Policies" not in role


def test_the_role_may_read_the_ledger_settings_cloudtrail_and_lake_formation_permissions_and_nothing_else(
    central: SynthesizedStack,
) -> None:
    role_id, _ = audit_role(central)
    allowed: dict[str, set[str]] = {}
    for statement in statements_of(central, role_id):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            allowed.setdefault(action, set()).update(
                render(r, central) for r in as_list(statement["Resource"])
            )

    table = f"<{central.id(TABLE)}.Arn>"
    settings = central.id(SETTINGS)
    parameter = central.resources[settings]["Properties"]
    assert parameter["Name"] == manifest.CENTRAL_SETTINGS_PARAMETER
    assert allowed == {
        "dynamodb:Scan": {table},
        "dynamodb:GetItem": {table},
        "kms:Decrypt": {f"<{central.id(KEY)}.Arn>"},
        # The parameter's Ref is its name, /lakegate/central: the ARN reads ...:parameter/lakegate/central.
        "ssm:GetParameter": {f"arn:aws:ssm:{FULL.region}:{CENTRAL_ACCOUNT}:parameter<{settings}>"},
        "cloudtrail:LookupEvents": {"*"},
        "lakeformation:ListPermissions": {"*"},
    }


def test_the_key_decrypts_for_the_role_only_through_dynamodb(central: SynthesizedStack) -> None:
    role_id, _ = audit_role(central)
    (decrypt,) = [s for s in statements_of(central, role_id) if s["Action"] == "kms:Decrypt"]

    via = decrypt["Condition"]["StringEquals"]["kms:ViaService"]
    assert render(via, central) == f"dynamodb.{FULL.region}.amazonaws.com"


def test_no_other_principal_is_given_the_audit_roles_reads_through_its_policies(
    central: SynthesizedStack, central_template: Template
) -> None:
    role_id, _ = audit_role(central)
    policies = [
        policy
        for policy in central_template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
    ]

    assert len(policies) == 3
    for policy in policies:
        assert policy["Properties"]["Roles"] == [{"Ref": role_id}]
        assert "Users" not in policy["Properties"] and "Groups" not in policy["Properties"]


def test_the_stack_outputs_the_audit_roles_arn(central: SynthesizedStack) -> None:
    role_id, _ = audit_role(central)
    output = central.document["Outputs"]["AuditRoleArn"]

    assert output["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert "lakegate audit" in output["Description"]
