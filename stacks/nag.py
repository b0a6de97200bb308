"""cdk-nag wiring: the AwsSolutions checks run on every synth; acknowledgements carry their reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Aws, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_checks(app: App) -> None:
    """Run the AwsSolutions pack on every synth; any finding not acknowledged fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, reason: str, *findings: str) -> None:
    """Acknowledge exact findings (``AwsSolutions-IAM5[Resource::*]``) on ``scope`` and its children only."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=finding, reason=reason) for finding in findings))


def resource_finding(resource: str) -> str:
    """The IAM5 finding id cdk-nag reports for a wildcard ``resource`` built from pseudo parameters.

    ARNs built from ``Aws.PARTITION``, ``Aws.REGION`` and ``Aws.ACCOUNT_ID`` (not the stack's env) render
    the same in every environment, so an acknowledgement written with this holds for any deployment.
    """
    rendered = (
        resource.replace(Aws.PARTITION, "<AWS::Partition>")
        .replace(Aws.REGION, "<AWS::Region>")
        .replace(Aws.ACCOUNT_ID, "<AWS::AccountId>")
    )
    return f"AwsSolutions-IAM5[Resource::{rendered}]"
