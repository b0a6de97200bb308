"""Central side: the hourly report of Lake Formation RAM invitations consumers have left pending too long."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.nag import acknowledge
from stacks.rule_function import RuleFunction

HANDLER = "lakegate.handlers.report_stale_invitations.handler"
# How often the report runs; the function notifies once per invitation per day from it (see
# lambdas/lakegate/sharing/stale_invitations.py), so it is passed to the function too.
REPORT_EVERY = Duration.hours(1)


class StaleInvitationReport(Construct):
    """The report function, its schedule, read access to this account's RAM shares, publish on ``topic``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        stale_after_hours: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        scheduled = RuleFunction(
            self,
            "ReportStaleInvitations",
            handler=HANDLER,
            description="Reports Lake Formation RAM invitations consumers have not accepted in time",
            environment={
                "NOTIFICATION_TOPIC_ARN": topic.topic_arn,
                "STALE_INVITATION_HOURS": str(stale_after_hours),
                "REPORT_PERIOD_MINUTES": str(int(REPORT_EVERY.to_minutes())),
            },
            schedule=events.Schedule.rate(REPORT_EVERY),
            log_retention=log_retention,
            timeout=Duration.seconds(60),
        )
        self.function: lambda_.Function = scheduled.function
        self.role: iam.Role = scheduled.role
        self.rule = scheduled.rule

        topic.grant_publish(self.role)
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            "Added by CDK's grant_publish on the topic's customer-managed key (the only resource of the "
            "statement): SNS needs the kms:GenerateDataKey variants to encrypt published messages.",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        )
        self.policy = iam.Policy(
            self,
            "ReadResourceShares",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadResourceSharesAndTheirPrincipals",
                    actions=["ram:GetResourceShares", "ram:GetResourceShareAssociations"],
                    resources=["*"],
                )
            ],
        )
        acknowledge(
            self.policy,
            "ram:GetResourceShares and ram:GetResourceShareAssociations are list calls without "
            "resource-level permissions; the function only reads.",
            "AwsSolutions-IAM5[Resource::*]",
        )
