#!/usr/bin/env python3
"""The lakegate CDK app, run by the CDK CLI as ``python3 app.py`` (cdk.json).

Run the CLI with the project's virtualenv active (or its bin/ first on PATH), so ``python3`` is the
one with aws-cdk-lib installed. Settings come from cdk.json's context and ``-c key=value``.
"""

import os
import sys

from aws_cdk import Environment

from stacks.app_factory import UnsupportedEnvironment, build_app
from stacks.config import ConfigError

try:
    app = build_app(
        env=Environment(
            account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
        )
    )
except (ConfigError, UnsupportedEnvironment) as error:
    sys.exit(f"lakegate: {error}")
app.synth()
