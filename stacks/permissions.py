"""IAM permissions the workflow's functions need beyond what ``grant_*`` methods give.

ARNs here are built from CloudFormation pseudo parameters (``Aws.PARTITION`` and friends) rather
than the stack's env, so they read the same in every template and the cdk-nag finding ids
acknowledged for them stay stable.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from stacks.nag import acknowledge

CATALOG_READ_ACTIONS = ("glue:GetDatabase", "glue:GetTable", "glue:GetTables")
LAKE_FORMATION_REVOKE_ACTIONS = ("lakeformation:RevokePermissions", "lakeformation:BatchRevokePermissions")
LAKE_FORMATION_GRANT_ACTIONS = (
    "lakeformation:GrantPermissions",
    "lakeformation:RevokePermissions",
    "lakeformation:BatchGrantPermissions",
    "lakeformation:BatchRevokePermissions",
)


def _glue_arn(resource: str, account_id: str = Aws.ACCOUNT_ID) -> str:
    return f"arn:{Aws.PARTITION}:glue:{Aws.REGION}:{account_id}:{resource}"


def _finding(resource: str) -> str:
    """The IAM5 finding id cdk-nag reports for ``resource`` built from pseudo parameters."""
    rendered = (
        resource.replace(Aws.PARTITION, "<AWS::Partition>")
        .replace(Aws.REGION, "<AWS::Region>")
        .replace(Aws.ACCOUNT_ID, "<AWS::AccountId>")
    )
    return f"AwsSolutions-IAM5[Resource::{rendered}]"


CATALOG_ARN = _glue_arn("catalog")
DATABASES_ARN = _glue_arn("database/*")
TABLES_ARN = _glue_arn("table/*/*")
RESOURCE_SHARES_ARN = f"arn:{Aws.PARTITION}:ram:{Aws.REGION}:{Aws.ACCOUNT_ID}:resource-share/*"
LAKE_FORMATION_RAM_PERMISSIONS_ARN = f"arn:{Aws.PARTITION}:ram::aws:permission/AWSRAMLFEnabled*"


def producer_role_arn(account_id: str, role_name: str) -> str:
    """The ARN of the producer role in ``account_id`` (``*`` for any account)."""
    return f"arn:{Aws.PARTITION}:iam::{account_id}:role/{role_name}"


def catalog_arns(account_ids: Sequence[str] = ()) -> list[str]:
    """The catalog, every database and every table of this account and of ``account_ids``."""
    return [
        _glue_arn(resource, account_id)
        for account_id in dict.fromkeys([Aws.ACCOUNT_ID, *account_ids])
        for resource in ("catalog", "database/*", "table/*/*")
    ]


def allow_catalog_read(role: iam.Role, actions: Sequence[str], *, account_ids: Sequence[str] = ()) -> None:
    """Let ``role`` read any database and table of this account's Glue Data Catalog and of ``account_ids``."""
    role.add_to_principal_policy(
        iam.PolicyStatement(sid="ReadDataCatalog", actions=list(actions), resources=catalog_arns(account_ids))
    )


def acknowledge_catalog_read(
    role: iam.Role,
    reason: str = (
        "A request may name any database or table of the catalog; the function must read its parameters "
        "(data_owner, pii_flag) before anything is decided. Only Get actions on this account's catalog."
    ),
    *,
    account_ids: Sequence[str] = (),
) -> None:
    """Acknowledge the ``database/*`` and ``table/*/*`` findings ``allow_catalog_read`` causes."""
    acknowledge(
        _default_policy(role),
        reason,
        *(_finding(arn) for arn in catalog_arns(account_ids) if arn.endswith("*")),
    )


def allow_assume_producer_roles(
    role: iam.Role, *, role_name: str, account_ids: Sequence[str], sid: str = "AssumeProducerRole"
) -> None:
    """Let ``role`` assume the role ``role_name`` in ``account_ids``, or in any account when none are listed.

    Used for every role lakegate creates in producer accounts (each trusts exactly one central role).
    """
    any_account = not account_ids
    resources = [producer_role_arn(account_id, role_name) for account_id in (account_ids or ["*"])]
    role.add_to_principal_policy(
        iam.PolicyStatement(sid=sid, actions=["sts:AssumeRole"], resources=resources)
    )
    if any_account:
        acknowledge(
            _default_policy(role),
            "No producer_account_ids are configured, so any producer account may own a data product. The "
            f"role name ({role_name}) is fixed, and each such role trusts only this exact role, so the "
            "wildcard cannot reach roles that have not opted in.",
            _finding(resources[0]),
        )


def allow_lake_formation_sharing(
    scope: Construct,
    construct_id: str,
    role: iam.Role,
    lake_formation_actions: Sequence[str] = LAKE_FORMATION_GRANT_ACTIONS,
) -> iam.Policy:
    """Lake Formation grants and revokes, with the AWS RAM and Glue rights cross-account grants need.

    ``lake_formation_actions`` narrows the Lake Formation actions (the revoke function revokes only).

    Adapted from AWS's managed policy AWSLakeFormationCrossAccountManager (the IAM permissions a grantor
    needs under cross-account version settings 3 and above), narrowed where the services allow it: resource
    shares and the Glue resource policy of this account only, explicit actions instead of ``ram:Get*`` and
    ``ram:List*``. Kept in its own policy so its acknowledgements cannot hide anything else.
    """
    policy = iam.Policy(
        scope,
        construct_id,
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid="GrantAndRevokeLakeFormationPermissions",
                actions=list(lake_formation_actions),
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="CreateCatalogResourceShares",
                actions=["ram:CreateResourceShare"],
                resources=["*"],
                conditions={
                    "StringLikeIfExists": {
                        "ram:RequestedResourceType": ["glue:Table", "glue:Database", "glue:Catalog"]
                    }
                },
            ),
            iam.PolicyStatement(
                sid="ManageLakeFormationResourceShares",
                actions=[
                    "ram:UpdateResourceShare",
                    "ram:DeleteResourceShare",
                    "ram:AssociateResourceShare",
                    "ram:DisassociateResourceShare",
                ],
                resources=[RESOURCE_SHARES_ARN],
                conditions={"StringLike": {"ram:ResourceShareName": ["LakeFormation*"]}},
            ),
            iam.PolicyStatement(
                sid="UseLakeFormationRamPermissions",
                actions=["ram:AssociateResourceSharePermission"],
                resources=[RESOURCE_SHARES_ARN, LAKE_FORMATION_RAM_PERMISSIONS_ARN],
            ),
            iam.PolicyStatement(
                sid="ReadResourceShares",
                actions=["ram:GetResourceShares"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="MaintainCatalogResourcePolicy",
                actions=["glue:GetResourcePolicy", "glue:PutResourcePolicy", "glue:DeleteResourcePolicy"],
                resources=[CATALOG_ARN],
            ),
            iam.PolicyStatement(
                sid="ReadOrganization",
                actions=["organizations:DescribeOrganization", "organizations:DescribeAccount"],
                resources=["*"],
            ),
        ],
    )
    acknowledge(
        policy,
        "Lake Formation's GrantPermissions, RevokePermissions and their batch forms have no resource-level "
        "permissions (the catalog item is in the request body), nor do ram:CreateResourceShare (the share "
        "does not exist yet; narrowed by the ram:RequestedResourceType condition to Glue catalog resources), "
        "ram:GetResourceShares (a list call) and organizations:DescribeOrganization; the ARNs of "
        "organizations:DescribeAccount embed the management account and organization ids, which lakegate "
        "does not know. Lake Formation needs all of them to grant to other accounts.",
        "AwsSolutions-IAM5[Resource::*]",
    )
    acknowledge(
        policy,
        "Lake Formation names the AWS RAM shares it creates for cross-account grants, so they cannot be "
        "listed in advance; the statement is limited to this account's shares named LakeFormation*, and to "
        "the AWS-managed AWSRAMLFEnabled* RAM permissions Lake Formation attaches to them.",
        _finding(RESOURCE_SHARES_ARN),
        _finding(LAKE_FORMATION_RAM_PERMISSIONS_ARN),
    )
    return policy


def _default_policy(role: iam.Role) -> IConstruct:
    policy = role.node.try_find_child("DefaultPolicy")
    if policy is None:
        raise ValueError(f"{role.node.path} has no default policy to acknowledge findings on")
    return policy
