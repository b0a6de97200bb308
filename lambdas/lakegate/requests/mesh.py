"""The mesh's members: which accounts may receive data and which may own it.

The central stack passes its own account and the context lists ``consumer_account_ids`` and
``producer_account_ids`` to the functions that accept requests. A request is refused before anything is
read or granted when its target is not a consumer of the mesh, and a database whose ``data_owner`` is not
one of the producers is never sent for approval: whoever can edit a catalog parameter cannot route
approvals (and their links) to an account of their choosing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lakegate.core import settings
from lakegate.core.errors import DataOwnerInvalid, InvalidRequest
from lakegate.core.identifiers import is_account_id
from lakegate.core.manifest import CENTRAL_ACCOUNT_ID, CONSUMER_ACCOUNT_IDS, PRODUCER_ACCOUNT_IDS
from lakegate.requests.model import AccessRequest

CONSUMER_SETTING = "consumer_account_ids"
PRODUCER_SETTING = "producer_account_ids"


@dataclass(frozen=True)
class MeshMembers:
    """The central account and the accounts the deployment names as consumers and producers."""

    central_account: str
    consumer_accounts: frozenset[str]
    producer_accounts: frozenset[str]

    @classmethod
    def of(cls, central_account: str, consumers: Iterable[str], producers: Iterable[str]) -> MeshMembers:
        return cls(central_account, frozenset(consumers), frozenset(producers))

    def require_consumer(self, request: AccessRequest) -> None:
        """InvalidRequest unless the request's target may receive data.

        A consumer account may receive grants itself or through one of its roles. The central account
        holds the catalog, so it may only receive them through a named role (its administrators already
        see everything; a grant to the account as a whole would reach every role in it).
        """
        account = request.consumer_account
        if account == self.central_account:
            if request.principal is None:
                raise InvalidRequest(
                    f"target.principal: account {account} is the central catalog account, which receives "
                    "access only through a named role; give target.principal, a role ARN of that account"
                )
            return
        if account not in self.consumer_accounts:
            raise InvalidRequest(
                f"target.account_id: account {account} is not a consumer of this mesh; a platform "
                f"administrator adds it to the central stack's {CONSUMER_SETTING} context and deploys it"
            )

    def require_producer(self, database: str, owner: str) -> None:
        """DataOwnerInvalid unless ``owner`` (a database's data_owner) is one of the mesh's producers."""
        if owner not in self.producer_accounts:
            raise DataOwnerInvalid(
                f"database {database} has data_owner={owner}, which is not a producer of this mesh; a "
                f"platform administrator adds it to the central stack's {PRODUCER_SETTING} context (and "
                "deploys the producer stack there), or the producer corrects data_owner"
            )


def mesh_from_environment() -> MeshMembers:
    """The members the stack passed in the environment; a missing or malformed one stops the function."""
    return MeshMembers.of(
        _account_id(CENTRAL_ACCOUNT_ID, settings.required(CENTRAL_ACCOUNT_ID)),
        _account_ids(CONSUMER_ACCOUNT_IDS, required=False),
        _account_ids(PRODUCER_ACCOUNT_IDS, required=True),
    )


def _account_ids(name: str, *, required: bool) -> list[str]:
    raw = settings.required(name) if required else settings.optional(name)
    return [_account_id(name, part.strip()) for part in raw.split(",") if part.strip()]


def _account_id(name: str, value: str) -> str:
    if not is_account_id(value):
        raise settings.MissingSetting(
            f"environment variable {name} holds {value!r}, not a 12-digit account id"
        )
    return value
