"""One lakegate Lambda function run on a schedule, built with the workflow functions' conventions.

Its own role (no managed policies) writing only to its own log group, the Powertools layer from
AWS's public SSM parameter, X-Ray tracing, the shared ``lambdas/`` asset, and an EventBridge rule
that invokes it. Callers add the permissions the function needs to ``role``.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

import statemachine
from stacks.functions import POWERTOOLS_LAYER_PARAMETER, SERVICE_NAME
from stacks.nag import acknowledge

_XRAY_REASON = (
    "Added by CDK for active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no "
    "resource-level permissions."
)


class ScheduledFunction(Construct):
    """A function invoked by an EventBridge schedule; ``function``, ``role`` and ``rule`` are exposed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        environment: Mapping[str, str],
        every: Duration,
        log_retention: logs.RetentionDays,
        timeout: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        # The same asset as the workflow functions (same folder and exclusions, so the same hash).
        code = lambda_.Code.from_asset(
            str(statemachine.LAMBDAS_DIR), exclude=["__pycache__", "*.pyc", "requirements.txt"]
        )
        powertools = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            ssm.StringParameter.value_for_string_parameter(self, POWERTOOLS_LAYER_PARAMETER),
        )
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"lakegate {handler.split('.')[-2]} function",
        )
        # Instead of AWSLambdaBasicExecutionRole: write to this function's own log group only.
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.X86_64,
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
        acknowledge(
            self.function,
            "Python 3.12 is pinned on purpose: the Powertools layer is taken from AWS's python3.12 "
            "SSM parameter, so the runtime and that parameter must move together.",
            "AwsSolutions-L1",
        )
        acknowledge(
            self.role.node.find_child("DefaultPolicy"), _XRAY_REASON, "AwsSolutions-IAM5[Resource::*]"
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            schedule=events.Schedule.rate(every),
            description=f"lakegate schedule: {description}",
            targets=[targets.LambdaFunction(self.function)],
        )
