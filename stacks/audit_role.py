"""The read-only role ``lakegate audit`` assumes in the central account.

It reads what an auditor needs to say who asked for what, who was granted what, and whether Lake
Formation still matches the ledger: the ledger (Scan, GetItem, and kms:Decrypt on its key), the
settings parameter, CloudTrail's event history and Lake Formation's permission list. It can write
nothing. Principals of the central account whose own IAM policy allows ``sts:AssumeRole`` on it may
assume it, for an hour at most.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.nag import acknowledge

LEDGER_READ_ACTIONS = ("dynamodb:Scan", "dynamodb:GetItem")
MAX_SESSION = Duration.hours(1)


class AuditRole(Construct):
    """The role named ``role_name``, with exactly the read actions the audit commands make."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role_name: str,
        table: dynamodb.ITable,
        key: kms.IKey,
        settings: ssm.IStringParameter,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            # The account, not a named principal: whoever the account's IAM lets assume this role.
            assumed_by=iam.AccountRootPrincipal(),
            max_session_duration=MAX_SESSION,
            description="lakegate audit: reads the ledger, the settings, CloudTrail and Lake Formation "
            "permissions; writes nothing",
        )
        ledger = iam.Policy(
            self,
            "ReadLedger",
            statements=[
                iam.PolicyStatement(
                    sid="ReadLedger", actions=list(LEDGER_READ_ACTIONS), resources=[table.table_arn]
                ),
                # Only as DynamoDB uses the key for the ledger (the same key also encrypts the topic).
                iam.PolicyStatement(
                    sid="DecryptLedger",
                    actions=["kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{Aws.REGION}.amazonaws.com"}},
                ),
                iam.PolicyStatement(
                    sid="ReadSettings", actions=["ssm:GetParameter"], resources=[settings.parameter_arn]
                ),
            ],
        )
        trail = iam.Policy(
            self,
            "LookUpCloudTrailEvents",
            statements=[
                iam.PolicyStatement(
                    sid="LookUpCloudTrailEvents", actions=["cloudtrail:LookupEvents"], resources=["*"]
                )
            ],
        )
        acknowledge(
            trail,
            "cloudtrail:LookupEvents supports no resource-level permissions (it reads the account's "
            "90-day management event history, not a trail), so IAM accepts only '*'. It is read-only, and "
            "it is the only action of this policy.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        permissions = iam.Policy(
            self,
            "ListLakeFormationPermissions",
            statements=[
                iam.PolicyStatement(
                    sid="ListLakeFormationPermissions",
                    actions=["lakeformation:ListPermissions"],
                    resources=["*"],
                )
            ],
        )
        acknowledge(
            permissions,
            "lakeformation:ListPermissions supports no resource-level permissions, so IAM accepts only "
            "'*'; Lake Formation filters its answer by the caller's own Lake Formation permissions. It is "
            "read-only, and the only action of this policy; the drift check compares its answer with the "
            "ledger.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        for policy in (ledger, trail, permissions):
            policy.attach_to_role(self.role)
