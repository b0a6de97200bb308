"""The DataZone events lakegate acts on, as EventBridge delivers them.

Every DataZone event names the entity it is about in ``detail.metadata``: ``id`` (the subscription
request, or the subscription) and ``domain`` (the domain id). lakegate reads the entity afresh by
that id and acts on it alone; nothing else in the event is trusted for a decision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lakegate.core.errors import InvalidEvent

SOURCE = "aws.datazone"
SUBSCRIPTION_REQUEST_CREATED = "Subscription Request Created"
SUBSCRIPTION_CREATED = "Subscription Created"
SUBSCRIPTION_CANCELLED = "Subscription Cancelled"
SUBSCRIPTION_REVOKED = "Subscription Revoked"

_DOMAIN_ID = re.compile(r"^dzd[-_][a-zA-Z0-9_-]{1,36}$")
_ENTITY_ID = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")


@dataclass(frozen=True)
class DataZoneEvent:
    detail_type: str
    domain_id: str
    entity_id: str  # detail.metadata.id: the subscription request or subscription
    event_id: str


def parse_event(
    event: Mapping[str, Any], *, expected_types: tuple[str, ...], domain_id: str
) -> DataZoneEvent:
    """The event's type and entity, or InvalidEvent naming the field that is wrong."""
    if event.get("source") != SOURCE:
        raise InvalidEvent(f"source: expected {SOURCE!r}, got {event.get('source')!r}")
    detail_type = event.get("detail-type")
    if detail_type not in expected_types:
        raise InvalidEvent(f"detail-type: expected one of {', '.join(expected_types)}, got {detail_type!r}")
    detail = event.get("detail")
    metadata = detail.get("metadata") if isinstance(detail, Mapping) else None
    if not isinstance(metadata, Mapping):
        raise InvalidEvent("detail.metadata: missing; the event does not name the entity it is about")
    domain = metadata.get("domain")
    if not isinstance(domain, str) or not _DOMAIN_ID.match(domain):
        raise InvalidEvent(f"detail.metadata.domain: expected a DataZone domain id, got {domain!r}")
    if domain != domain_id:
        raise InvalidEvent(f"detail.metadata.domain: {domain} is not the configured domain {domain_id}")
    entity_id = metadata.get("id")
    if not isinstance(entity_id, str) or not _ENTITY_ID.match(entity_id):
        raise InvalidEvent(f"detail.metadata.id: expected a DataZone identifier, got {entity_id!r}")
    return DataZoneEvent(
        detail_type=str(detail_type), domain_id=domain, entity_id=entity_id, event_id=str(event.get("id", ""))
    )
