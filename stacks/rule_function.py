"""One lakegate Lambda function run by an EventBridge rule, built with the workflow functions' conventions.

Its own role (no managed policies) writing only to its own log group, the pinned Powertools release's layer
from AWS's public SSM parameter, X-Ray tracing, the shared ``lambdas/`` asset, and a rule that invokes it:
a schedule, or an event pattern on the account's default bus (where AWS services put their events).
Callers add the permissions the function needs to ``role``.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.functions import (
    ARCHITECTURE,
    POWERTOOLS_RUNTIME_REASON,
    RUNTIME,
    SERVICE_NAME,
    lambdas_asset,
    powertools_layer,
)
from stacks.nag import acknowledge

_XRAY_REASON = (
    "Added by CDK for active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no "
    "resource-level permissions."
)


class RuleFunction(Construct):
    """A function invoked by an EventBridge rule; ``function``, ``role`` and ``rule`` are exposed.

    Give exactly one of ``schedule`` and ``event_pattern``. ``role_name`` fixes the role's physical name
    where another account must trust exactly that role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        environment: Mapping[str, str],
        log_retention: logs.RetentionDays,
        timeout: Duration,
        schedule: events.Schedule | None = None,
        event_pattern: events.EventPattern | None = None,
        role_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if (schedule is None) == (event_pattern is None):
            raise ValueError(f"{construct_id}: give exactly one of schedule and event_pattern")
        code = lambdas_asset()
        powertools = powertools_layer(self)
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"lakegate {handler.split('.')[-2]} function",
        )
        # Instead of AWSLambdaBasicExecutionRole: write to this function's own log group only.
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=code,
            description=description,
            environment={**environment, "POWERTOOLS_SERVICE_NAME": SERVICE_NAME},
            layers=[powertools],
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            timeout=timeout,
            memory_size=256,
        )
        acknowledge(self.function, POWERTOOLS_RUNTIME_REASON, "AwsSolutions-L1")
        acknowledge(
            self.role.node.find_child("DefaultPolicy"), _XRAY_REASON, "AwsSolutions-IAM5[Resource::*]"
        )
        # Scheduled rules keep the construct id they had before event patterns were supported, so their
        # logical ids (and the deployed rules) stay the same.
        self.rule = events.Rule(
            self,
            "Schedule" if schedule is not None else "EventRule",
            schedule=schedule,
            event_pattern=event_pattern,
            description=f"lakegate {'schedule' if schedule is not None else 'event rule'}: {description}",
            targets=[targets.LambdaFunction(self.function)],
        )
