"""The state machines (access request, access expiry), loaded from their ASL files with the functions' ARNs
substituted."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, CfnElement, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from lakegate.core import manifest
from stacks.nag import acknowledge


class AccessRequestWorkflow(Construct):
    """A STANDARD, traced state machine that logs every event but never execution data.

        Execution data would carry task tokens (and request details) into the logs, so it stays out.
        The state machine's role may invoke exactly the functions the ASL names. ``definition`` says
        which ASL file (the access-request workflow unless told otherwise; ``manifest.ACCESS_EXPIRY``
        for the access-expiry one), ``log_name`` ends its log group's name, ``state_machine_name`` fixes its
    name (for a state machine whose ARN a function it invokes must know: the approval-reminder one).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        log_retention: logs.RetentionDays,
        definition: manifest.Definition = manifest.ACCESS_REQUEST,
        log_name: str = "AccessRequest",
        state_machine_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # The /aws/vendedlogs/ prefix is what AWS recommends for Step Functions log groups: it keeps
        # the account's CloudWatch Logs resource policy from growing with every log group.
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{Aws.STACK_NAME}-{log_name}",
            retention=log_retention,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            state_machine_name=state_machine_name,
            definition_body=sfn.DefinitionBody.from_file(str(definition.path)),
            definition_substitutions=definition.substitutions(
                {key: function.function_arn for key, function in functions.items()}
            ),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
        invoked = [functions[key] for key in dict.fromkeys(definition.placeholders.values())]
        for function in invoked:
            function.grant_invoke(self.state_machine)

        policy = self.state_machine.role.node.find_child("DefaultPolicy")
        acknowledge(
            policy,
            "Added by CDK for logging and tracing: the CloudWatch Logs log-delivery actions "
            "(logs:CreateLogDelivery and friends) and X-Ray's PutTraceSegments, PutTelemetryRecords, "
            "GetSamplingRules and GetSamplingTargets have no resource-level permissions.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        stack = Stack.of(self)
        acknowledge(
            policy,
            "Added by CDK's grant_invoke: the wildcard covers only versions and aliases of each "
            "function the state machine invokes.",
            *(
                f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(_cfn(function))}.Arn>:*]"
                for function in invoked
            ),
        )


def _cfn(function: lambda_.IFunction) -> CfnElement:
    child = function.node.default_child
    if not isinstance(child, CfnElement):
        raise TypeError(f"{function.node.path} has no CloudFormation resource")
    return child
