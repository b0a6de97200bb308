"""cdk-nag wiring: the AwsSolutions checks run on every synth; acknowledgements carry their reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_checks(app: App) -> None:
    """Run the AwsSolutions pack on every synth; any finding not acknowledged fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, reason: str, *findings: str) -> None:
    """Acknowledge exact findings (``AwsSolutions-IAM5[Resource::*]``) on ``scope`` and its children only."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=finding, reason=reason) for finding in findings))
