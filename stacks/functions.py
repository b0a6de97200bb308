"""The workflow's Lambda functions, one per ``manifest.FUNCTIONS`` spec, each with its own role."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from lakegate.core import manifest
from stacks.nag import acknowledge

SERVICE_NAME = "lakegate"
# Every lakegate function runs on this runtime and architecture; the Powertools layer is the build for them.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
# The one place the Powertools version is stated: the exact pin the tests install and run.
LAMBDA_REQUIREMENTS = manifest.LAMBDAS_DIR / "requirements.txt"
POWERTOOLS_DISTRIBUTION = "aws-lambda-powertools"
# ``name[extras]==version``, an optional comment after it: the only form the layer can be chosen by.
_EXACT_PIN = re.compile(r"^[A-Za-z0-9._-]+(?:\[[^\]]*\])?\s*==\s*(?P<version>[0-9][0-9A-Za-z.]*)\s*(?:#.*)?$")


def _distribution(requirement: str) -> str:
    """The normalized name a requirements line names (``AWS_Lambda.Powertools[tracer]==3``: the same)."""
    name = re.split(r"[\s\[<>=!~;@#]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_powertools_version(requirements: Path = LAMBDA_REQUIREMENTS) -> str:
    """The version ``requirements`` pins aws-lambda-powertools to with ``==``; anything else fails synth."""
    lines = [line.strip() for line in requirements.read_text(encoding="utf-8").splitlines()]
    named = [line for line in lines if line and _distribution(line) == POWERTOOLS_DISTRIBUTION]
    pins = [match["version"] for line in named if (match := _EXACT_PIN.match(line))]
    if len(named) != 1 or len(pins) != 1:
        raise ValueError(
            f"{requirements.name} must pin {POWERTOOLS_DISTRIBUTION} exactly once with == (the Lambda layer "
            f"is chosen by that version); found {named or 'no line for it'}"
        )
    return pins[0]


POWERTOOLS_VERSION = pinned_powertools_version()
# AWS writes one public parameter per Powertools release and runtime, holding the ARN of that release's layer
# in the region (Powertools' install guide, "Using SSM Parameter Store"); CloudFormation resolves it at deploy
# time. The release's parameter, not ``latest``: the functions run the version the tests ran.
POWERTOOLS_LAYER_PARAMETER = (
    f"/aws/service/powertools/python/{ARCHITECTURE.name}/{RUNTIME.name}/{POWERTOOLS_VERSION}"
)
# Why cdk-nag's "not the latest runtime" finding (AwsSolutions-L1) is acknowledged on every function.
POWERTOOLS_RUNTIME_REASON = (
    f"{RUNTIME.name} is pinned on purpose: the Powertools layer is AWS's build of Powertools "
    f"{POWERTOOLS_VERSION} for that runtime (the SSM parameter names it), and the tests run that version; "
    "move the runtime, the layer and the tests together."
)

_DEFAULT_TIMEOUT = Duration.seconds(30)
# Granting touches Lake Formation and, for other accounts, AWS RAM; both can take a while.
_TIMEOUTS = {"grant_access": Duration.seconds(60)}


def lambdas_asset() -> lambda_.Code:
    """The one code asset of every lakegate function: ``lambdas/`` (the same exclusions, so one hash)."""
    return lambda_.Code.from_asset(
        str(manifest.LAMBDAS_DIR), exclude=["__pycache__", "*.pyc", "requirements.txt"]
    )


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """Powertools at ``POWERTOOLS_VERSION``: AWS's layer for ``RUNTIME``, by its public SSM parameter."""
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
    fixes the physical name of a function's role where another account must trust exactly that role;
    ``keys`` leaves out the specs of optional parts that are switched off (all are built by default).
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
        keys: Collection[str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        specs = [spec for spec in manifest.FUNCTIONS if keys is None or spec.key in keys]
        unknown_keys = set(keys or ()) - set(manifest.FUNCTIONS_BY_KEY)
        if unknown_keys:
            raise ValueError(f"unknown functions: {', '.join(sorted(unknown_keys))}")
        self._deferred = {
            (spec.key, name) for spec in specs for name in spec.environment if name in deferred_environment
        }
        role_names = role_names or {}
        unknown_roles = set(role_names) - set(manifest.FUNCTIONS_BY_KEY)
        if unknown_roles:
            raise ValueError(f"role names given for unknown functions: {', '.join(sorted(unknown_roles))}")

        code = lambdas_asset()
        powertools = powertools_layer(self)

        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for spec in specs:
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
                runtime=RUNTIME,
                architecture=ARCHITECTURE,
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
                POWERTOOLS_RUNTIME_REASON,
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
