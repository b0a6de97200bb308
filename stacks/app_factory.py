"""Builds the lakegate CDK app from context, so ``app.py`` and the tests synthesize the same thing."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment

from stacks.central import CentralStack
from stacks.config import LakegateConfig
from stacks.consumer import ConsumerStack
from stacks.nag import add_checks
from stacks.producer import ProducerStack

CENTRAL_STACK = "LakegateCentral"
PRODUCER_STACK = "LakegateProducer"
CONSUMER_STACK = "LakegateConsumer"


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
