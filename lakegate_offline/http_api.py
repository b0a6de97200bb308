"""Turn a plain HTTP request into the API Gateway HTTP API (payload 2.0) event Lambda receives."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode


def http_api_event(
    method: str,
    path: str,
    *,
    query: str | Mapping[str, str] = "",
    body: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    route_key: str | None = None,
    iam_caller: Mapping[str, Any] | None = None,
    jwt_claims: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends for ``method path?query`` with ``body`` (form posts are base64).

    ``iam_caller`` is what an AWS_IAM-authorized route receives in ``requestContext.authorizer.iam``
    (``accountId``, ``userArn``, ``callerId``, ``userId``, ``accessKey``). ``jwt_claims`` are what a
    route behind a JWT authorizer receives in ``requestContext.authorizer.jwt.claims`` (API Gateway
    passes every claim as a string, arrays as ``"[a b]"``; they are put in as given).
    """
    raw_query = query if isinstance(query, str) else urlencode(query)
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    encoded = body.encode("utf-8") if isinstance(body, str) else body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": raw_query,
        "queryStringParameters": dict(parse_qsl(raw_query)) or None,
        "headers": lowered,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": lowered.get("host", "localhost"),
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key or f"{method} {path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(encoded).decode("ascii") if encoded else None,
        "isBase64Encoded": bool(encoded),
    }
    if iam_caller is not None:
        event["requestContext"]["authorizer"] = {"iam": {"principalOrgId": None, **iam_caller}}
    if jwt_claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(jwt_claims), "scopes": None}}
    return event
