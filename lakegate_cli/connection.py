"""Reaching AWS like the AWS CLI does, and finding lakegate's central resources there.

``--profile`` and ``--region`` choose the session (else ``AWS_PROFILE`` and the profile's region);
``--endpoint-url`` (or ``LAKEGATE_ENDPOINT_URL``) points every client at the sandbox, and without
either boto3 still honours ``AWS_ENDPOINT_URL``. The central stack publishes where everything is in
one SSM parameter, which the CLI reads first.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import ClientError

from lakegate.core import manifest
from lakegate_cli.errors import AWS_UNREACHABLE, USAGE, CliError

if TYPE_CHECKING:
    from botocore.credentials import Credentials
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_sts import STSClient

ENDPOINT_VARIABLE = "LAKEGATE_ENDPOINT_URL"
_OPTIONS = ("profile", "region", "endpoint_url", "settings_parameter")


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """``--profile``, ``--region``, ``--endpoint-url``, ``--settings-parameter``.

    Added to the top-level parser and to each command, so they may come before or after the
    command, as with the AWS CLI; defaults are applied by ``connection_options``.
    """
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--profile",
        default=argparse.SUPPRESS,
        help="AWS CLI profile to use (default: $AWS_PROFILE or default)",
    )
    group.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help="AWS region (default: the profile's or $AWS_DEFAULT_REGION)",
    )
    group.add_argument(
        "--endpoint-url",
        default=argparse.SUPPRESS,
        help="send every AWS call here, e.g. the sandbox's http://127.0.0.1:4566 "
        f"(default: ${ENDPOINT_VARIABLE})",
    )
    group.add_argument(
        "--settings-parameter",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help=f"SSM parameter holding lakegate's settings (default: {manifest.CENTRAL_SETTINGS_PARAMETER})",
    )


@dataclass(frozen=True)
class ConnectionOptions:
    profile: str | None
    region: str | None
    endpoint_url: str | None
    settings_parameter: str


def connection_options(args: argparse.Namespace) -> ConnectionOptions:
    """The connection options given anywhere on the command line, with their defaults."""
    given = {name: getattr(args, name, None) for name in _OPTIONS}
    endpoint = given["endpoint_url"] or os.environ.get(ENDPOINT_VARIABLE, "").strip() or None
    if endpoint is not None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CliError(
                f"--endpoint-url: {endpoint!r} is not an http(s) URL such as http://127.0.0.1:4566", USAGE
            )
    return ConnectionOptions(
        profile=given["profile"] or None,
        region=given["region"] or None,
        endpoint_url=endpoint,
        settings_parameter=given["settings_parameter"] or manifest.CENTRAL_SETTINGS_PARAMETER,
    )


@dataclass(frozen=True)
class Connection:
    """A boto3 session with the region and endpoint every client of this run uses."""

    session: boto3.Session
    region: str
    endpoint_url: str | None
    settings_parameter: str

    def dynamodb(self) -> DynamoDBClient:
        return self.session.client("dynamodb", region_name=self.region, endpoint_url=self.endpoint_url)

    def stepfunctions(self) -> SFNClient:
        return self.session.client("stepfunctions", region_name=self.region, endpoint_url=self.endpoint_url)

    def sts(self) -> STSClient:
        return self.session.client("sts", region_name=self.region, endpoint_url=self.endpoint_url)

    def ssm(self) -> Any:
        return self.client("ssm")

    def client(self, service: str) -> Any:
        """A client of ``service`` in this connection's region, through its endpoint."""
        return self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def credentials(self) -> Credentials:
        """The session's credentials, for signing requests to the decision API."""
        credentials = self.session.get_credentials()
        if credentials is None:
            raise CliError(
                "no AWS credentials to sign with; pass --profile, or run aws configure or aws sso login",
                AWS_UNREACHABLE,
            )
        return credentials

    def where(self) -> str:
        """Where this connection points, for error messages."""
        return f"{self.region} at {self.endpoint_url}" if self.endpoint_url else self.region


# The sandbox's region, and stand-in credentials for it: the emulator checks neither.
SANDBOX_REGION = "us-east-1"
SANDBOX_ACCESS_KEY = "sandbox"


def connect(args: argparse.Namespace) -> Connection:
    """The connection the command line asks for.

    With an endpoint URL (the sandbox) and nothing configured, the sandbox's region and stand-in
    credentials are used, so a newcomer needs no AWS configuration at all.
    """
    options = connection_options(args)
    session = boto3.Session(profile_name=options.profile)
    if options.endpoint_url and session.get_credentials() is None:
        session = boto3.Session(
            profile_name=options.profile,
            aws_access_key_id=SANDBOX_ACCESS_KEY,
            aws_secret_access_key=SANDBOX_ACCESS_KEY,
        )
    region = options.region or session.region_name or (SANDBOX_REGION if options.endpoint_url else None)
    if not region:
        raise CliError(
            "no AWS region: pass --region, set one for the profile (aws configure), "
            "or set AWS_DEFAULT_REGION",
            AWS_UNREACHABLE,
        )
    return Connection(
        session=session,
        region=region,
        endpoint_url=options.endpoint_url,
        settings_parameter=options.settings_parameter,
    )


@dataclass(frozen=True)
class CentralSettings:
    """Where lakegate's central resources are: the value of the central settings parameter."""

    state_machine_arn: str
    ledger_table: str
    decision_api_url: str
    owner_decision_url: str
    notification_topic_arn: str
    # The role-name prefix of per-user roles ("" when the deployment has none, or predates the setting).
    user_role_prefix: str = ""


def load_settings(connection: Connection) -> CentralSettings:
    """Read the central settings parameter; a missing one is a one-line error saying what to do."""
    optional = {key: "" for key in manifest.OPTIONAL_CENTRAL_SETTINGS_KEYS}
    required = tuple(key for key in manifest.CENTRAL_SETTINGS_KEYS if key not in optional)
    values = read_settings(connection, required, optional=optional)
    return CentralSettings(**values)


def read_settings(
    connection: Connection,
    keys: tuple[str, ...],
    *,
    hint: str = "",
    optional: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The values of ``keys`` in the settings parameter; CliError (exit 3) when it or a key is missing.

    ``optional`` maps further keys to the value they take when absent (or null): settings that may
    be empty, or that older deployments do not write.
    """
    name = connection.settings_parameter
    try:
        text = connection.ssm().get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
            raise
        raise CliError(
            f"no lakegate settings in SSM parameter {name} ({connection.where()}): deploy the central stack "
            "(cdk deploy LakegateCentral) or start the sandbox (make sandbox), and point lakegate at it "
            f"with --profile/--region or --endpoint-url{hint}",
            AWS_UNREACHABLE,
        ) from error
    try:
        values = json.loads(text)
    except ValueError:
        values = None
    missing = [key for key in keys if not isinstance(values, dict) or not values.get(key)]
    if missing or not isinstance(values, dict):
        raise CliError(
            f"SSM parameter {name} does not hold lakegate's settings (missing {', '.join(missing)}); "
            "deploy the central stack again, or pass the right --settings-parameter",
            AWS_UNREACHABLE,
        )
    found = {key: str(values[key]) for key in keys}
    for key, default in (optional or {}).items():
        value = values.get(key)
        found[key] = default if value is None else str(value)
    return found
