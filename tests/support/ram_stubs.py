"""AWS RAM as botocore's Stubber serves it (moto has no invitation calls), and capturing Powertools logs.

Responses follow the RAM service model's output shapes; the Stubber checks them against it, and
checks every request's parameters against what a test expects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from lakegate.sharing.accept_invitations import client_token
from lakegate_offline.mesh import REGION

CENTRAL = "111111111111"
CONSUMER = "444455556666"
STRANGER = "999999999999"
SENT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def share_arn(owner: str, share: str) -> str:
    return f"arn:aws:ram:{REGION}:{owner}:resource-share/{share}"


def invitation(sender: str, share: str, status: str = "PENDING") -> dict[str, Any]:
    """One ``resourceShareInvitations`` item, as ``get_resource_share_invitations`` returns it."""
    return {
        "resourceShareInvitationArn": f"arn:aws:ram:{REGION}:{sender}:resource-share-invitation/{share}-inv",
        "resourceShareName": f"LakeFormation-V4-{share.upper()}",
        "resourceShareArn": share_arn(sender, share),
        "senderAccountId": sender,
        "receiverAccountId": CONSUMER,
        "invitationTimestamp": SENT,
        "status": status,
    }


def resource_share(owner: str, share: str, name: str | None = None) -> dict[str, Any]:
    """One ``resourceShares`` item of ``get_resource_shares``."""
    return {
        "resourceShareArn": share_arn(owner, share),
        "name": name or f"LakeFormation-V4-{share.upper()}",
        "owningAccountId": owner,
        "allowExternalPrincipals": True,
        "status": "ACTIVE",
        "creationTime": SENT,
        "lastUpdatedTime": SENT,
        "featureSet": "STANDARD",
    }


def principal_association(
    owner: str, share: str, principal: str, *, since: datetime, status: str = "ASSOCIATING"
) -> dict[str, Any]:
    """One ``resourceShareAssociations`` item: ``principal`` invited to ``share`` at ``since``."""
    return {
        "resourceShareArn": share_arn(owner, share),
        "resourceShareName": f"LakeFormation-V4-{share.upper()}",
        "associatedEntity": principal,
        "associationType": "PRINCIPAL",
        "status": status,
        "creationTime": since,
        "lastUpdatedTime": since,
        "external": True,
    }


def glue_resource(owner: str, share: str, path: str) -> dict[str, Any]:
    """One ``resources`` item of ``list_resources``: ``path`` is ``database/DB`` or ``table/DB/TABLE``."""
    return {
        "arn": f"arn:aws:glue:{REGION}:{owner}:{path}",
        "type": "glue:Database" if path.startswith("database/") else "glue:Table",
        "resourceShareArn": share_arn(owner, share),
        "status": "AVAILABLE",
        "creationTime": SENT,
        "lastUpdatedTime": SENT,
        "resourceRegionScope": "REGIONAL",
    }


class StubbedRam:
    """A real RAM client whose calls are answered, in order, by what a test queues."""

    def __init__(self) -> None:
        self.client = boto3.client("ram", region_name=REGION)
        self.stubber = Stubber(self.client)

    def __enter__(self) -> StubbedRam:
        self.stubber.activate()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stubber.deactivate()

    def invitations(self, *pages: Sequence[Mapping[str, Any]]) -> None:
        """``get_resource_share_invitations``, answered with ``pages`` linked by ``nextToken``."""
        self._pages("get_resource_share_invitations", "resourceShareInvitations", pages, {})

    def accept(self, item: Mapping[str, Any]) -> None:
        arn = item["resourceShareInvitationArn"]
        self.stubber.add_response(
            "accept_resource_share_invitation",
            {"resourceShareInvitation": {**item, "status": "ACCEPTED"}, "clientToken": client_token(arn)},
            {"resourceShareInvitationArn": arn, "clientToken": client_token(arn)},
        )

    def accept_fails(self, item: Mapping[str, Any], code: str) -> None:
        arn = item["resourceShareInvitationArn"]
        self.stubber.add_client_error(
            "accept_resource_share_invitation",
            service_error_code=code,
            http_status_code=400,
            expected_params={"resourceShareInvitationArn": arn, "clientToken": client_token(arn)},
        )

    def resources(self, share: str, *pages: Sequence[Mapping[str, Any]]) -> None:
        """``list_resources`` of another account's share ``share`` (its full ARN)."""
        self._pages(
            "list_resources",
            "resources",
            pages,
            {"resourceOwner": "OTHER-ACCOUNTS", "resourceShareArns": [share]},
        )

    def shares(self, *pages: Sequence[Mapping[str, Any]]) -> None:
        """``get_resource_shares`` of this account's own active shares."""
        self._pages(
            "get_resource_shares",
            "resourceShares",
            pages,
            {"resourceOwner": "SELF", "resourceShareStatus": "ACTIVE"},
        )

    def principals(self, share: str, *pages: Sequence[Mapping[str, Any]]) -> None:
        """``get_resource_share_associations`` of the principals of ``share`` still associating."""
        self._pages(
            "get_resource_share_associations",
            "resourceShareAssociations",
            pages,
            {
                "associationType": "PRINCIPAL",
                "resourceShareArns": [share],
                "associationStatus": "ASSOCIATING",
            },
        )

    def _pages(
        self,
        operation: str,
        key: str,
        pages: Sequence[Sequence[Mapping[str, Any]]],
        expected: Mapping[str, Any],
    ) -> None:
        for number, page in enumerate(pages, start=1):
            response: dict[str, Any] = {key: list(page)}
            if number < len(pages):
                response["nextToken"] = f"page-{number + 1}"
            params = dict(expected) if number == 1 else {**expected, "nextToken": f"page-{number}"}
            self.stubber.add_response(operation, response, params)


@contextmanager
def captured_logs(logger: Any) -> Iterator[list[logging.LogRecord]]:
    """The records a Powertools ``Logger(child=True)`` emits while the block runs.

    Attached to that logger itself: whether its records reach the root logger (and pytest's caplog)
    depends on which Powertools parent logger other tests created first.
    """
    records: list[logging.LogRecord] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    target = logging.getLogger(logger.name)
    handler = _Keep(level=logging.DEBUG)
    target.addHandler(handler)
    try:
        yield records
    finally:
        target.removeHandler(handler)
