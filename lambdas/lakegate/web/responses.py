"""HTTP responses of lakegate's two web functions (the decision API and the portal), built one way."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response

from lakegate.web.html import STYLESHEET

HTML = "text/html; charset=utf-8"
JSON = "application/json"
CSS = "text/css; charset=utf-8"
ASSETS_DIR = Path(__file__).with_name("assets")
# Static files may be cached briefly: they hold no request data and change only with a deployment.
ASSET_CACHE = "public, max-age=300"


def security_headers(content_security_policy: str) -> dict[str, str]:
    """Headers every page carries: its policy, no MIME sniffing, no Referer, no framing."""
    return {
        "Content-Security-Policy": content_security_policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


def html_response(status_code: int, html: str, headers: Mapping[str, str]) -> Response[str]:
    return Response(status_code=status_code, content_type=HTML, body=html, headers=dict(headers))


def json_response(status_code: int, document: Mapping[str, Any], headers: Mapping[str, str]) -> Response[str]:
    return Response(
        status_code=status_code, content_type=JSON, body=json.dumps(document), headers=dict(headers)
    )


def asset_response(text: str, content_type: str, headers: Mapping[str, str]) -> Response[str]:
    """A static file, cacheable for a few minutes."""
    return Response(
        status_code=200,
        content_type=content_type,
        body=text,
        headers={**headers, "Cache-Control": ASSET_CACHE},
    )


@cache
def stylesheet() -> str:
    """The text of ``lakegate.css``, read once."""
    return (ASSETS_DIR / STYLESHEET).read_text(encoding="utf-8")
