"""Consumer side: accept the central account's Lake Formation invitations and link what they share.

Run on a schedule in each consumer account. Only invitations sent by the configured central
account are accepted; any other sender's are left exactly as they are (never rejected) and
logged. Every share accepted from the central account, now or earlier, is linked again on each
run: Lake Formation adds later grants to a share the consumer already accepted, without a new
invitation, so a link missing for any reason is made on the next run. Running twice, or twice at
once, changes nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.errors import LakegateError, error_code
from lakegate.sharing.ram import RamClient, all_items
from lakegate.sharing.resource_links import LinkResult, ResourceLinks
from lakegate.sharing.shared_resources import SHARED_TYPES, SharedItem, plan_links, shared_item

logger = Logger(child=True)

# Accepting an invitation that is no longer pending: already accepted (by a concurrent run or a
# person) is success; the others end the invitation and are only reported.
ALREADY_ACCEPTED = "ResourceShareInvitationAlreadyAcceptedException"
LAPSED_ERRORS = {
    "ResourceShareInvitationAlreadyRejectedException": "was rejected",
    "ResourceShareInvitationExpiredException": "has expired",
    "ResourceShareInvitationArnNotFoundException": "no longer exists",
}
LAKE_FORMATION_HINT = (
    "make this function's role a Lake Formation data lake administrator in this account, or grant it "
    "CREATE_DATABASE on the catalog"
)


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class InvitationCheckIncomplete(LakegateError):
    """Some invitations, shares or links could not be handled; the next run tries them again."""


@dataclass(frozen=True)
class Invitation:
    """A RAM resource-share invitation this account received."""

    arn: str
    share_arn: str
    share_name: str
    sender_account_id: str
    status: str
    sent_at: datetime | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Invitation:
        """From one item of ``get_resource_share_invitations``' ``resourceShareInvitations``."""
        return cls(
            arn=raw.get("resourceShareInvitationArn", ""),
            share_arn=raw.get("resourceShareArn", ""),
            share_name=raw.get("resourceShareName", ""),
            sender_account_id=raw.get("senderAccountId", ""),
            status=raw.get("status", ""),
            sent_at=raw.get("invitationTimestamp"),
        )

    def log_fields(self) -> dict[str, Any]:
        return {
            "invitation_arn": self.arn,
            "resource_share_arn": self.share_arn,
            "resource_share_name": self.share_name,
            "sender_account_id": self.sender_account_id,
            "invitation_status": self.status,
            "invited_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass(frozen=True)
class Triage:
    """What to do with each invitation, decided from the invitations alone."""

    to_accept: tuple[Invitation, ...]  # pending, sent by the central account
    accepted: tuple[Invitation, ...]  # accepted earlier, sent by the central account: link again
    left_alone: tuple[Invitation, ...]  # pending, sent by any other account: never touched
    lapsed: tuple[Invitation, ...]  # sent by the central account, rejected or expired


def triage(invitations: Iterable[Invitation], *, central_account_id: str) -> Triage:
    """Sort invitations by what to do with them; only the central account's are ever acted on."""
    to_accept: list[Invitation] = []
    accepted: list[Invitation] = []
    left_alone: list[Invitation] = []
    lapsed: list[Invitation] = []
    for invitation in invitations:
        from_central = invitation.sender_account_id == central_account_id
        if not from_central:
            if invitation.status == InvitationStatus.PENDING:
                left_alone.append(invitation)
        elif invitation.status == InvitationStatus.PENDING:
            to_accept.append(invitation)
        elif invitation.status == InvitationStatus.ACCEPTED:
            accepted.append(invitation)
        else:
            lapsed.append(invitation)
    return Triage(tuple(to_accept), tuple(accepted), tuple(left_alone), tuple(lapsed))


def client_token(invitation_arn: str) -> str:
    """The same idempotency token for every attempt to accept one invitation, from any run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, invitation_arn))


@dataclass
class _Run:
    """What one run did, for the log and the function's result."""

    accepted: list[str] = field(default_factory=list)
    already_accepted: list[str] = field(default_factory=list)
    left_alone: list[dict[str, Any]] = field(default_factory=list)
    lapsed: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[Any]] = field(default_factory=lambda: {"created": [], "present": [], "clashes": []})
    failures: list[str] = field(default_factory=list)


def accept_invitations(
    *, central_account_id: str, link_prefix: str, ram: RamClient, links: ResourceLinks
) -> dict[str, Any]:
    """Accept the central account's pending invitations, then link every database and table they share.

    Returns what was done. One share or link failing does not stop the others; if anything failed,
    ``InvitationCheckIncomplete`` is raised at the end, after everything else was done and logged.
    """
    invitations = [
        Invitation.from_api(raw)
        for raw in all_items(
            ram.get_resource_share_invitations,
            "resourceShareInvitations",
            doing="listing resource share invitations",
        )
    ]
    sorted_out = triage(invitations, central_account_id=central_account_id)
    run = _Run()

    for invitation in sorted_out.left_alone:
        logger.warning(
            "Left alone a RAM invitation that is not from the lakegate central account",
            extra={**invitation.log_fields(), "central_account_id": central_account_id},
        )
        run.left_alone.append(
            {"invitation_arn": invitation.arn, "sender_account_id": invitation.sender_account_id}
        )
    for invitation in sorted_out.lapsed:
        logger.info(
            "RAM invitation from the central account is no longer pending", extra=invitation.log_fields()
        )
        run.lapsed.append({"invitation_arn": invitation.arn, "status": invitation.status})

    shares = [invitation.share_arn for invitation in sorted_out.accepted]
    for invitation in sorted_out.to_accept:
        if _accept(invitation, ram, run):
            shares.append(invitation.share_arn)

    items = _shared_items(list(dict.fromkeys(shares)), central_account_id, ram, run)
    _link(items, link_prefix, links, run)

    result = asdict(run)
    logger.info("Invitation check done", extra={"outcome": result})
    if run.failures:
        failed = "; ".join(run.failures)
        raise InvitationCheckIncomplete(
            f"{len(run.failures)} step(s) failed and are tried again on the next run: {failed}"
        )
    return result


def _accept(invitation: Invitation, ram: RamClient, run: _Run) -> bool:
    """Accept one invitation; True when its share is now accepted (by this run or another)."""
    try:
        ram.accept_resource_share_invitation(
            resourceShareInvitationArn=invitation.arn, clientToken=client_token(invitation.arn)
        )
    except ClientError as error:
        code = error_code(error)
        if code == ALREADY_ACCEPTED:
            run.already_accepted.append(invitation.arn)
            return True
        if code in LAPSED_ERRORS:
            logger.warning(
                f"RAM invitation from the central account {LAPSED_ERRORS[code]}; it cannot be accepted",
                extra={**invitation.log_fields(), "error": code},
            )
            run.lapsed.append({"invitation_arn": invitation.arn, "status": code})
            return False
        logger.exception("Could not accept a RAM invitation", extra=invitation.log_fields())
        run.failures.append(f"accepting {invitation.arn}: {code or error}")
        return False
    logger.info("Accepted a RAM invitation from the central account", extra=invitation.log_fields())
    run.accepted.append(invitation.arn)
    return True


def _shared_items(
    share_arns: Sequence[str], central_account_id: str, ram: RamClient, run: _Run
) -> list[SharedItem]:
    """The Glue databases and tables of the central account that the shares hold."""
    items: list[SharedItem] = []
    for share_arn in share_arns:
        try:
            resources = list(
                all_items(
                    ram.list_resources,
                    "resources",
                    doing=f"listing the resources of {share_arn}",
                    resourceOwner="OTHER-ACCOUNTS",
                    resourceShareArns=[share_arn],
                )
            )
        except (ClientError, LakegateError) as error:
            logger.exception("Could not list a share's resources", extra={"resource_share_arn": share_arn})
            run.failures.append(f"listing the resources of {share_arn}: {error}")
            continue
        for resource in resources:
            if resource.get("type") not in SHARED_TYPES or resource.get("status") == "UNAVAILABLE":
                continue
            item = shared_item(str(resource.get("arn", "")))
            if item is None:
                continue
            if item.catalog_id != central_account_id:
                logger.warning(
                    "Skipped a shared item that is not in the central account's catalog",
                    extra={"resource_arn": resource.get("arn"), "resource_share_arn": share_arn},
                )
                continue
            items.append(item)
    return items


def _link(items: Iterable[SharedItem], prefix: str, links: ResourceLinks, run: _Run) -> None:
    for plan in plan_links(items, prefix=prefix):
        try:
            outcome = links.ensure(plan)
        except ClientError as error:
            code = error_code(error)
            hint = f" ({LAKE_FORMATION_HINT})" if code == "AccessDeniedException" else ""
            logger.exception("Could not create a resource link", extra={"link": plan.describe()})
            run.failures.append(f"{plan.describe()}: {code or error}{hint}")
            continue
        if outcome.result == LinkResult.CREATED:
            logger.info("Created a resource link", extra={"link": plan.describe()})
            run.links["created"].append(plan.name)
        elif outcome.result == LinkResult.PRESENT:
            run.links["present"].append(plan.name)
        else:
            logger.warning(
                "Resource link not created: the name is taken",
                extra={"link": plan.describe(), "problem": outcome.problem},
            )
            run.links["clashes"].append({"name": plan.name, "problem": outcome.problem})
