"""The sandbox's own pages: an index and the outbox. Every message text is escaped."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from lakegate_sandbox.outbox import OutboxMessage

_LINK = re.compile(r"https?://[^\s<>\"']+")
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}"
    "article{border:1px solid #d0d7de;border-radius:.4rem;padding:.75rem 1rem;margin:1rem 0}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere}.meta{color:#57606a;font-size:.9rem}"
)


def _document(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def _linkified(text: str) -> str:
    """Escape the text, then make its http(s) addresses clickable."""
    escaped = escape(text, quote=False)
    return _LINK.sub(lambda match: f'<a href="{match.group(0)}">{match.group(0)}</a>', escaped)


def outbox_page(messages: Sequence[OutboxMessage]) -> str:
    if not messages:
        return _document("Outbox", "<p>No messages yet. Start a request, then reload this page.</p>")
    articles = "".join(
        "<article>"
        f"<h2>{escape(message.subject or '(no subject)')}</h2>"
        f'<p class="meta">{escape(message.kind)} · {escape(message.received_at)} · '
        f"{escape(message.topic_arn)}"
        + (
            " · " + escape(", ".join(f"{name}={value}" for name, value in sorted(message.attributes.items())))
            if message.attributes
            else ""
        )
        + f"</p><pre>{_linkified(message.body)}</pre></article>"
        for message in messages
    )
    return _document("Outbox", '<p>Newest first. <a href="/outbox.json">JSON</a></p>' + articles)


def index_page(info: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th scope=row>{escape(str(name))}</th><td>{escape(str(value))}</td></tr>"
        for name, value in info.items()
        if not isinstance(value, dict | list)
    )
    return _document(
        "lakegate sandbox",
        '<p><a href="/portal">Portal</a> · <a href="/outbox">Outbox</a> · <a href="/info.json">info.json</a>'
        f"</p><table>{rows}</table>",
    )
