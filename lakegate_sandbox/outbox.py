"""Every message the sandbox's topics delivered: the owners' approval emails and the consumer notices."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Drain = Callable[[], list[dict[str, Any]]]


@dataclass(frozen=True)
class OutboxMessage:
    kind: str  # "approval email" or "consumer notice"
    received_at: str
    subject: str
    body: str
    topic_arn: str
    attributes: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "received_at": self.received_at,
            "subject": self.subject,
            "body": self.body,
            "topic_arn": self.topic_arn,
            "attributes": self.attributes,
        }


class Outbox:
    """Collects messages from the topics' queues as they are read, and keeps them, newest first."""

    def __init__(self, sources: dict[str, Drain]) -> None:
        self._sources = sources
        self._messages: list[OutboxMessage] = []
        self._lock = threading.Lock()

    def messages(self) -> list[OutboxMessage]:
        with self._lock:
            for kind, drain in self._sources.items():
                now = datetime.now(UTC).isoformat(timespec="seconds")
                for message in drain():
                    self._messages.append(
                        OutboxMessage(
                            kind=kind,
                            received_at=now,
                            subject=message.get("subject") or "",
                            body=message["body"],
                            topic_arn=message.get("topic_arn") or "",
                            attributes=message.get("attributes") or {},
                        )
                    )
            return list(reversed(self._messages))
