"""The part of the AWS RAM API lakegate calls, and reading every page of a RAM list call.

boto3's RAM client is typed here by a Protocol naming only the calls lakegate makes, because the
``mypy-boto3-ram`` stubs are not among the project's type stubs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from botocore.exceptions import ClientError

from lakegate.core.errors import raise_if_transient


class RamClient(Protocol):
    """What lakegate calls on ``boto3.client("ram")``."""

    def get_resource_share_invitations(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def accept_resource_share_invitation(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def list_resources(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_resource_shares(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_resource_share_associations(self, **kwargs: Any) -> Mapping[str, Any]: ...


def all_items(
    call: Callable[..., Mapping[str, Any]], key: str, *, doing: str, **arguments: Any
) -> Iterator[Mapping[str, Any]]:
    """Every item under ``key`` of every page of a RAM list call, following ``nextToken``.

    A throttled or otherwise transient failure becomes ``TransientAwsError``; ``doing`` names the
    call in that error's message.
    """
    token: str | None = None
    while True:
        try:
            page = call(**arguments, **({"nextToken": token} if token else {}))
        except ClientError as error:
            raise_if_transient(error, doing)
            raise
        yield from page.get(key) or ()
        token = page.get("nextToken")
        if not token:
            return
