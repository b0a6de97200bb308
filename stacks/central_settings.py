"""The SSM parameter that tells the lakegate CLI where the central resources are."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from lakegate.core import manifest


class CentralSettings(Construct):
    """``manifest.CENTRAL_SETTINGS_PARAMETER``: JSON with exactly ``manifest.CENTRAL_SETTINGS_KEYS``.

    The name is fixed: it is the contract with the CLI (and the sandbox writes the same one), which
    reads it with the caller's own credentials in the central account.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Mapping[str, str]) -> None:
        super().__init__(scope, construct_id)
        expected = set(manifest.CENTRAL_SETTINGS_KEYS)
        if set(settings) != expected:
            raise ValueError(
                "central settings must have exactly the keys "
                f"{', '.join(manifest.CENTRAL_SETTINGS_KEYS)}; got {', '.join(sorted(settings))}"
            )
        ordered = {key: settings[key] for key in manifest.CENTRAL_SETTINGS_KEYS}
        self.parameter = ssm.StringParameter(
            self,
            "Parameter",
            parameter_name=manifest.CENTRAL_SETTINGS_PARAMETER,
            string_value=Stack.of(self).to_json_string(ordered),
            description="Where lakegate's central resources are (read by the lakegate CLI)",
        )
