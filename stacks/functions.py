"""The workflow's Lambda functions, one per ``statemachine.FUNCTIONS`` spec, each with its own role."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

import statemachine
from stacks.nag import acknowledge

# AWS publishes the ARN of the newest Powertools layer here; CloudFormation resolves it at deploy time.
POWERTOOLS_LAYER_PARAMETER = "/aws/service/powertools/python/x86_64/python3.12/latest"
SERVICE_NAME = "lakegate"

_DEFAULT_TIMEOUT = Duration.seconds(30)
# Granting touches Lake Formation and, for other accounts, AWS RAM; both can take a while.
_TIMEOUTS = {"grant_access": Duration.seconds(60)}


def lambdas_asset() -> lambda_.Code:
    """The one code asset of every lakegate function: ``lambdas/`` (the same exclusions, so one hash)."""
    return lambda_.Code.from_asset(
        str(statemachine.LAMBDAS_DIR), exclude=["__pycache__", "*.pyc", "requirements.txt"]
    )


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """Powertools for AWS Lambda: the layer AWS publishes for python3.12, by its public SSM parameter."""
    return lambda_.LayerVersion.from_layer_version_arn(
        scope,
        "PowertoolsLayer",
        ssm.StringParameter.value_for_string_parameter(scope, POWERTOOLS_LAYER_PARAMETER),
    )


def function_construct_id(key: str) -> str:
    """``evaluate_request`` -> ``EvaluateRequest``: the construct id of a function spec."""
    return "".join(part.capitalize() for part in key.split("_"))


class WorkflowFunctions(Construct):
    """Every function of the workflow, built from its spec with one shared code asset.

    ``environment`` holds the value of each environment variable a spec may name; a variable in
    ``deferred_environment`` is given later with ``set_deferred`` (values that exist only once the
    functions do); a spec naming a variable in neither fails the synth. ``role_names``
    fixes the physical name of a function's role where another account must trust exactly that role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: Mapping[str, str],
        log_retention: logs.RetentionDays,
        role_names: Mapping[str, str] | None = None,
        deferred_environment: Collection[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self._deferred = {
            (spec.key, name)
            for spec in statemachine.FUNCTIONS
            for name in spec.environment
            if name in deferred_environment
        }
        role_names = role_names or {}
        unknown_roles = set(role_names) - set(statemachine.FUNCTIONS_BY_KEY)
        if unknown_roles:
            raise ValueError(f"role names given for unknown functions: {', '.join(sorted(unknown_roles))}")

        code = lambdas_asset()
        powertools = powertools_layer(self)

        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for spec in statemachine.FUNCTIONS:
            missing = [
                name
                for name in spec.environment
                if name not in environment and name not in deferred_environment
            ]
            if missing:
                raise ValueError(
                    f"function {spec.key!r} needs environment variables the stack cannot fill: "
                    f"{', '.join(missing)}"
                )
            name = function_construct_id(spec.key)
            log_group = logs.LogGroup(self, f"{name}Logs", retention=log_retention)
            role = iam.Role(
                self,
                f"{name}Role",
                role_name=role_names.get(spec.key),
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"lakegate {spec.key} function",
            )
            # Instead of AWSLambdaBasicExecutionRole: write to this function's own log group only.
            log_group.grant_write(role)
            self.roles[spec.key] = role
            function = lambda_.Function(
                self,
                name,
                runtime=lambda_.Runtime.PYTHON_3_12,
                architecture=lambda_.Architecture.X86_64,
                handler=spec.handler,
                code=code,
                description=spec.description,
                environment={
                    **{
                        variable: environment[variable]
                        for variable in spec.environment
                        if variable in environment
                    },
                    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                },
                layers=[powertools],
                role=role,
                log_group=log_group,
                tracing=lambda_.Tracing.ACTIVE,
                timeout=_TIMEOUTS.get(spec.key, _DEFAULT_TIMEOUT),
                memory_size=256,
            )
            acknowledge(
                function,
                "Python 3.12 is pinned on purpose: the Powertools layer is taken from AWS's python3.12 "
                "SSM parameter, so the runtime and that parameter must move together.",
                "AwsSolutions-L1",
            )
            self.functions[spec.key] = function

    def set_deferred(self, name: str, value: str) -> None:
        """Give every function whose spec names ``name`` (a deferred variable) its value."""
        keys = sorted(key for key, variable in self._deferred if variable == name)
        if not keys:
            raise ValueError(f"no function waits for the deferred environment variable {name}")
        for key in keys:
            self.functions[key].add_environment(name, value)
            self._deferred.discard((key, name))

    def check_deferred(self) -> None:
        """Fail if a deferred environment variable was never set."""
        if self._deferred:
            unset = ", ".join(f"{key}: {name}" for key, name in sorted(self._deferred))
            raise ValueError(f"deferred environment variables never set: {unset}")

    def __getitem__(self, key: str) -> lambda_.Function:
        return self.functions[key]
