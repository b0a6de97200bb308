"""Builds the lakegate CDK app from context, so ``app.py`` and the tests synthesize the same thing."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment, Token
from aws_cdk.region_info import RegionInfo

from stacks.central import CentralStack
from stacks.config import LakegateConfig
from stacks.consumer import ConsumerStack
from stacks.nag import add_checks
from stacks.producer import ProducerStack

CENTRAL_STACK = "LakegateCentral"
PRODUCER_STACK = "LakegateProducer"
CONSUMER_STACK = "LakegateConsumer"
# The partitions lakegate's templates are written and tested for: the AWS commercial regions. Others
# (China, GovCloud, the isolated regions) differ in service endpoints, managed-policy and layer ARNs and in
# which of the services lakegate uses they offer.
SUPPORTED_PARTITIONS = ("aws",)


class UnsupportedEnvironment(ValueError):
    """The account or region the app is synthesized for is one lakegate cannot be deployed to."""


def check_region(region: str | None) -> None:
    """Refuse a region outside the supported partitions, or one whose partition cannot be told.

    An unset or token region (an environment-agnostic synth) is left to the deploy.
    """
    if region is None or Token.is_unresolved(region):
        return
    partition = RegionInfo.get(region).partition
    if partition is None:
        raise UnsupportedEnvironment(
            f"region {region!r} is not one this aws-cdk-lib knows, so lakegate cannot tell its partition; "
            "check CDK_DEFAULT_REGION / the profile's region"
        )
    if partition not in SUPPORTED_PARTITIONS:
        raise UnsupportedEnvironment(
            f"region {region!r} is in the {partition!r} partition; lakegate supports only "
            f"{', '.join(repr(p) for p in SUPPORTED_PARTITIONS)} (the AWS commercial regions)"
        )


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    env: Environment | None = None,
    outdir: str | None = None,
) -> App:
    """The central stack, the producer and consumer stacks when ``central_account_id`` is set, and cdk-nag.

    ``context`` adds to what the CDK CLI passes (``cdk.json`` and ``-c``); ``env`` left unset
    synthesizes environment-agnostic stacks.
    """
    check_region(env.region if env is not None else None)
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    config = LakegateConfig.from_app(app)
    CentralStack(app, CENTRAL_STACK, config=config, env=env)
    if config.central_account_id is not None:
        ProducerStack(app, PRODUCER_STACK, config=config, env=env)
        ConsumerStack(app, CONSUMER_STACK, config=config, env=env)
    else:
        print(
            f"lakegate: {PRODUCER_STACK} and {CONSUMER_STACK} not built; "
            "set -c central_account_id=<12-digit id> to build them.",
            file=sys.stderr,
        )
    add_checks(app)
    return app
