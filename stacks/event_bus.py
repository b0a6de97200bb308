"""The status-event bus: where lakegate puts every change of a request's status for other teams."""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct


class StatusEventBus(Construct):
    """A custom EventBridge bus with a fixed name, which other teams' rules match on.

    Events carry no secrets (``schemas/access-request-status-changed.schema.json``), so the bus
    keeps EventBridge's default encryption with an AWS owned key.
    """

    def __init__(self, scope: Construct, construct_id: str, *, bus_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=bus_name,
            description="lakegate: one event per change of an access request's status (source lakegate)",
        )

    def grant_put(self, grantee: iam.IGrantable) -> None:
        """Let ``grantee`` put events on this bus, and on no other."""
        self.bus.grant_put_events_to(grantee)
