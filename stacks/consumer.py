"""The consumer stack: accepts the central account's Lake Formation invitations and links what they share."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from stacks.config import LakegateConfig
from stacks.invitation_acceptance import InvitationAcceptance


class ConsumerStack(Stack):
    """Deployed to consumer accounts (optional). It trusts nothing and grants nothing to another account.

    Its function's role must be a Lake Formation data lake administrator in the consumer account (or
    hold CREATE_DATABASE on the catalog) to create resource links; the ``AcceptanceRoleArn`` output
    names it.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: LakegateConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="lakegate consumer: accepts the central account's RAM invitations, links shares",
            **kwargs,
        )
        if config.central_account_id is None:
            raise ValueError("the consumer stack needs the CDK context key 'central_account_id'")
        self.acceptance = InvitationAcceptance(
            self,
            "InvitationAcceptance",
            central_account_id=config.central_account_id,
            every=Duration.minutes(config.invitation_check_minutes),
            link_prefix=config.resource_link_prefix,
            link_database=config.resource_link_database,
            log_retention=config.log_retention,
        )
        CfnOutput(
            self,
            "AcceptanceRoleArn",
            value=self.acceptance.role.role_arn,
            description="Make this role a Lake Formation data lake administrator here so it can create links",
        )
        CfnOutput(self, "AcceptanceFunctionName", value=self.acceptance.function.function_name)
