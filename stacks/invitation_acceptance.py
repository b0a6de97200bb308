"""Consumer side: the scheduled function accepting the central account's invitations and linking shares."""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.nag import acknowledge
from stacks.permissions import CATALOG_ARN, _finding, _glue_arn
from stacks.rule_function import RuleFunction

HANDLER = "lakegate.handlers.accept_invitations.handler"


def invitations_from(central_account_id: str) -> str:
    """The ARNs of the invitations ``central_account_id`` sends (RAM puts the sender's account in them)."""
    return f"arn:{Aws.PARTITION}:ram:{Aws.REGION}:{central_account_id}:resource-share-invitation/*"


class InvitationAcceptance(Construct):
    """The function, its schedule and the least privilege it needs: ``function`` and ``role``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        central_account_id: str,
        every: Duration,
        link_prefix: str,
        link_database: str,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        scheduled = RuleFunction(
            self,
            "AcceptInvitations",
            handler=HANDLER,
            description=(
                "Accepts Lake Formation RAM invitations from the lakegate central account and creates "
                "resource links to what they share"
            ),
            environment={
                "CENTRAL_ACCOUNT_ID": central_account_id,
                "RESOURCE_LINK_PREFIX": link_prefix,
                "RESOURCE_LINK_DATABASE": link_database,
            },
            schedule=events.Schedule.rate(every),
            log_retention=log_retention,
            timeout=Duration.minutes(2),
        )
        self.function: lambda_.Function = scheduled.function
        self.role: iam.Role = scheduled.role
        self.rule = scheduled.rule

        invitations = invitations_from(central_account_id)
        database_links = _glue_arn(f"database/{link_prefix}*")
        link_database_arn = _glue_arn(f"database/{link_database}")
        table_links = _glue_arn(f"table/{link_database}/*")
        # Its own policy, so the acknowledgements below cover these statements and nothing else.
        self.policy = iam.Policy(
            self,
            "Permissions",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadInvitationsAndSharedResources",
                    actions=["ram:GetResourceShareInvitations", "ram:ListResources"],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="AcceptInvitationsFromTheCentralAccountOnly",
                    actions=["ram:AcceptResourceShareInvitation"],
                    resources=[invitations],
                    conditions={"StringEquals": {"ram:ShareOwnerAccountId": central_account_id}},
                ),
                iam.PolicyStatement(
                    sid="CreateDatabaseLinksAndTheLinkDatabase",
                    actions=["glue:CreateDatabase", "glue:GetDatabase"],
                    resources=[CATALOG_ARN, database_links, link_database_arn],
                ),
                iam.PolicyStatement(
                    sid="CreateTableLinks",
                    actions=["glue:CreateTable", "glue:GetTable"],
                    resources=[CATALOG_ARN, link_database_arn, table_links],
                ),
            ],
        )
        acknowledge(
            self.policy,
            "ram:GetResourceShareInvitations and ram:ListResources are list calls without resource-level "
            "permissions; they only read what was shared with this account.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        acknowledge(
            self.policy,
            "Invitation ids are only known once the central account sends them. The statement is limited to "
            "invitations in the central account's ARN space, and the ram:ShareOwnerAccountId condition to "
            "shares the central account owns.",
            _finding(invitations),
        )
        acknowledge(
            self.policy,
            "Link names follow the shared databases and tables, unknown in advance; the statement is "
            f"limited to this account's catalog, databases named {link_prefix}*, and tables in "
            f"{link_database}, and to creating and reading (never updating or deleting).",
            _finding(database_links),
            _finding(table_links),
        )
