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
# The calls lakegate makes (lakegate/workflow/grant_access.py, revoke_access.py): one grant or revoke per
# call; grant_access revokes to undo a half-made grant, and revoke_access grants again what a request
# sharing the permission was granted while it revoked.
LAKE_FORMATION_GRANT_ACTIONS = ("lakeformation:GrantPermissions", "lakeformation:RevokePermissions")


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
    """The ARN of the producer role in ``account_id``."""
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
    """Let ``role`` assume the role ``role_name`` in each of ``account_ids`` (the mesh's producers).

    Used for every role lakegate creates in producer accounts (each trusts exactly one central role).
    The configuration requires at least one producer, so there is never a wildcard account here.
    """
    if not account_ids:
        raise ValueError(f"{sid}: no producer accounts to assume {role_name} in")
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=sid,
            actions=["sts:AssumeRole"],
            resources=[producer_role_arn(account_id, role_name) for account_id in account_ids],
        )
    )


LAKE_FORMATION_SHARE_NAMES = ["LakeFormation*"]
GLUE_RESOURCE_TYPES = ["glue:Table", "glue:Database", "glue:Catalog"]

# What a grantor needs beyond Lake Formation's own actions, decided action by action against AWS's managed
# policy AWSLakeFormationCrossAccountManager (version v9, the policy the Lake Formation developer guide asks
# grantors to hold under cross-account version settings 3 and above). Lakegate's code calls none of these
# itself: Lake Formation calls AWS RAM (and, where it must, the Glue resource-policy API) on the grantor's
# behalf, with the grantor's permissions, while it carries out GrantPermissions and RevokePermissions.
# Resource types and condition keys are the Service Authorization Reference's (service_authorization.json).
#
# Sharing: only a role that grants (the grant function; it also revokes, to undo a half-made grant).
# - ram:CreateResourceShare: in. Lake Formation creates a LakeFormation-* share for the first grant to an
#   account. No resource type exists (the share does not exist yet), so "*", narrowed as AWS narrows it by
#   ram:RequestedResourceType to Glue catalog resources. Out for revoking: a revoke never creates a share.
# - ram:AssociateResourceShare: in, to add a principal or resource to an existing LakeFormation-* share.
#   Out for revoking: it only widens a share.
# - ram:UpdateResourceShare: in, for a share's settings (such as whether it allows accounts outside the
#   organization). Out for revoking: taking access back never changes how a share is set up.
# - ram:AssociateResourceSharePermission: in, for the AWS-managed AWSRAMLFEnabled* RAM permissions Lake
#   Formation attaches to its shares. Scoped by resource (this account's shares and those permissions),
#   the resource types the reference lists; AWS's policy uses "*" with ram:PermissionArn instead. Out for
#   revoking.
# - ram:ListResourceSharePermissions: in, as the read that goes with it (one of AWS's ram:List*), on this
#   account's LakeFormation-* shares. Out for revoking.
# - glue:PutResourcePolicy: in, on this account's catalog only (its one resource type): AWS's policy lets
#   Lake Formation edit the Data Catalog resource policy on the grantor's behalf. Out for revoking: RAM keeps
#   its own per-share policies, and a revoking role that could write the catalog policy could widen access.
#
# Taking back: every role here (grant and revoke functions).
# - ram:DisassociateResourceShare, ram:DeleteResourceShare: in: a revoke removes the grantee or resource
#   from the LakeFormation-* share, and the share itself with its last grant. On this account's shares with
#   the ram:ResourceShareName condition AWS uses (the reference lists that resource type and key for both).
# - ram:GetResourceShares, ram:GetResourceShareAssociations: in (from AWS's ram:Get*): Lake Formation looks
#   up its shares and what they hold before changing them. Neither has a resource type, so "*". AWS's
#   ram:ResourceShareName condition on GetResourceShares is left out: the reference lists no such key for it.
# - organizations:DescribeOrganization, organizations:DescribeAccount: in: Lake Formation checks whether
#   the grantee belongs to the grantor's organization. DescribeOrganization has no resource type;
#   DescribeAccount's ARN embeds the management account and organization ids, which lakegate does not know.
#
# Left out for every role, with why:
# - the rest of ram:Get* and ram:List* (GetPermission, GetResourcePolicies, GetResourceShareInvitations,
#   ListPendingInvitationResources, ListPermissions, ListPermissionVersions, ListPermissionAssociations,
#   ListPrincipals, ListResources, ListResourceTypes, ListReplacePermissionAssociationsWork,
#   ListSourceAssociations): exact actions instead of wildcards, and none serves sharing catalog items
#   through shares this account owns (invitations are the receiving account's; RAM permissions are
#   attached by name, not looked up). If Lake Formation is ever refused one, add that exact action here.
# - glue:DeleteResourcePolicy: granting only adds and revoking leaves the catalog policy alone; deleting it
#   would also drop cross-account access others configured. glue:GetResourcePolicy is not in AWS's policy.
# - organizations:ListRoots, organizations:ListAccountsForParent,
#   organizations:ListOrganizationalUnitsForParent (and ListAccounts, not in AWS's policy at all): they walk
#   the organization tree, for grants to an organization or OU and the console's pickers; lakegate grants
#   only to the account ids and principals of mesh accounts.
SHARE_CREATE_ACTIONS = ("ram:CreateResourceShare",)
SHARE_GRANT_ACTIONS = (
    "ram:AssociateResourceShare",
    "ram:UpdateResourceShare",
    "ram:ListResourceSharePermissions",
)
SHARE_PERMISSION_ACTIONS = ("ram:AssociateResourceSharePermission",)
CATALOG_POLICY_ACTIONS = ("glue:PutResourcePolicy",)
SHARE_REVOKE_ACTIONS = ("ram:DisassociateResourceShare", "ram:DeleteResourceShare")
SHARE_READ_ACTIONS = ("ram:GetResourceShares", "ram:GetResourceShareAssociations")
ORGANIZATION_READ_ACTIONS = ("organizations:DescribeOrganization", "organizations:DescribeAccount")


def allow_lake_formation_sharing(scope: Construct, construct_id: str, role: iam.Role) -> iam.Policy:
    """Lake Formation grants and revokes, with the AWS RAM and Glue rights cross-account grants need.

    Kept in its own policy so its acknowledgements cannot hide anything else.
    """
    statements = [
        iam.PolicyStatement(
            sid="GrantAndRevokeLakeFormationPermissions",
            actions=list(LAKE_FORMATION_GRANT_ACTIONS),
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="CreateCatalogResourceShares",
            actions=list(SHARE_CREATE_ACTIONS),
            resources=["*"],
            conditions={"StringLikeIfExists": {"ram:RequestedResourceType": GLUE_RESOURCE_TYPES}},
        ),
        iam.PolicyStatement(
            sid="ManageLakeFormationResourceShares",
            actions=[*SHARE_GRANT_ACTIONS, *SHARE_REVOKE_ACTIONS],
            resources=[RESOURCE_SHARES_ARN],
            conditions={"StringLike": {"ram:ResourceShareName": LAKE_FORMATION_SHARE_NAMES}},
        ),
        iam.PolicyStatement(
            sid="UseLakeFormationRamPermissions",
            actions=list(SHARE_PERMISSION_ACTIONS),
            resources=[RESOURCE_SHARES_ARN, LAKE_FORMATION_RAM_PERMISSIONS_ARN],
        ),
        iam.PolicyStatement(
            sid="MaintainCatalogResourcePolicy",
            actions=list(CATALOG_POLICY_ACTIONS),
            resources=[CATALOG_ARN],
        ),
        iam.PolicyStatement(sid="ReadResourceShares", actions=list(SHARE_READ_ACTIONS), resources=["*"]),
        iam.PolicyStatement(sid="ReadOrganization", actions=list(ORGANIZATION_READ_ACTIONS), resources=["*"]),
    ]
    policy = iam.Policy(scope, construct_id, roles=[role], statements=statements)
    acknowledge(
        policy,
        "Lake Formation's GrantPermissions, RevokePermissions and their batch forms have no resource-level "
        "permissions (the catalog item is in the request body), nor do ram:CreateResourceShare (the share "
        "does not exist yet; narrowed by the ram:RequestedResourceType condition to Glue catalog resources), "
        "ram:GetResourceShares and ram:GetResourceShareAssociations (list calls) and "
        "organizations:DescribeOrganization; the ARNs of organizations:DescribeAccount embed the management "
        "account and organization ids, which lakegate does not know. Lake Formation needs all of them to "
        "share with and take back from other accounts.",
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
