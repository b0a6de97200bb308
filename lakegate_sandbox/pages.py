"""The sandbox's own pages: an index and the outbox. Every message text is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from lakegate.web.html import Html, document, esc
from lakegate_sandbox.outbox import OutboxMessage

_LINK = re.compile(r"https?://[^\s<>\"']+")
# The web server hands ``/assets/`` to the decision function, which serves the stylesheet there.
ASSETS_PATH = "/assets"


def _document(title: str, body: str) -> str:
    return document(
        title, Html(f"<h1>{esc(title)}</h1>{body}"), site_name="lakegate sandbox", assets_path=ASSETS_PATH
    )


def _linkified(text: str) -> str:
    """Escape the text, then make its http(s) addresses clickable."""
    escaped = html.escape(text, quote=False)  # quotes stay, so an address never ends in &quot;
    return _LINK.sub(lambda match: f'<a href="{match.group(0)}">{match.group(0)}</a>', escaped)


def outbox_page(messages: Sequence[OutboxMessage]) -> str:
    if not messages:
        return _document("Outbox", "<p>No messages yet. Start a request, then reload this page.</p>")
    articles = "".join(
        "<article>"
        f"<h2>{esc(message.subject or '(no subject)')}</h2>"
        f'<p class="meta">{esc(message.kind)} · {esc(message.received_at)} · '
        f"{esc(message.topic_arn)}"
        + (
            " · " + esc(", ".join(f"{name}={value}" for name, value in sorted(message.attributes.items())))
            if message.attributes
            else ""
        )
        + f"</p><pre>{_linkified(message.body)}</pre></article>"
        for message in messages
    )
    return _document("Outbox", '<p>Newest first. <a href="/outbox.json">JSON</a></p>' + articles)


def index_page(info: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th scope=row>{esc(str(name))}</th><td>{esc(str(value))}</td></tr>"
        for name, value in info.items()
        if not isinstance(value, dict | list)
    )
    return _document(
        "lakegate sandbox",
        '<p><a href="/portal">Portal</a> · <a href="/outbox">Outbox</a> · <a href="/info.json">info.json</a>'
        f"</p><table>{rows}</table>",
    )
