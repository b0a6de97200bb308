"""The sandbox's web server: the decision API as API Gateway would call it, the outbox, and info.

Requests under ``/requests/`` and ``/owner/requests/`` become the API Gateway HTTP API events the
decision function receives in AWS, and its response goes back unchanged. The owner route is
AWS_IAM-authorized in AWS; here the caller is resolved from the request's SigV4 access key
through the emulator's STS, because moto does not verify signatures.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from offline.http_api import http_api_event
from sandbox.outbox import Outbox
from sandbox.pages import index_page, outbox_page

MAX_BODY_BYTES = 64 * 1024
_ACCESS_KEY = re.compile(r"Credential=([A-Z0-9]+)/")

Invoke = Callable[[dict[str, Any]], tuple[dict[str, Any], bool]]
ResolveCaller = Callable[[str], Mapping[str, Any] | None]


class SandboxWeb(ThreadingHTTPServer):
    """A threading HTTP server carrying what the request handler needs."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        invoke_decision: Invoke,
        resolve_caller: ResolveCaller,
        outbox: Outbox,
        info: Callable[[], dict[str, Any]],
    ) -> None:
        super().__init__(address, _Handler)
        self.invoke_decision = invoke_decision
        self.resolve_caller = resolve_caller
        self.outbox = outbox
        self.info = info


class _Handler(BaseHTTPRequestHandler):
    server: SandboxWeb
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox prints its own summary lines."""

    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/requests/") or path.startswith("/owner/requests/"):
            self._decision(method)
        elif method == "GET" and path == "/outbox":
            self._send(HTTPStatus.OK, outbox_page(self.server.outbox.messages()), "text/html; charset=utf-8")
        elif method == "GET" and path == "/outbox.json":
            messages = [message.to_json() for message in self.server.outbox.messages()]
            self._send_json(HTTPStatus.OK, {"messages": messages})
        elif method == "GET" and path == "/info.json":
            self._send_json(HTTPStatus.OK, self.server.info())
        elif method == "GET" and path == "/":
            self._send(HTTPStatus.OK, index_page(self.server.info()), "text/html; charset=utf-8")
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"message": f"no route for {method} {path}"})

    def _decision(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "request body too large"})
            return
        body = self.rfile.read(length) if length else None
        caller = None
        if parts.path.startswith("/owner/"):
            caller = self._caller()
            if caller is None:
                self._send_json(
                    HTTPStatus.FORBIDDEN, {"message": "sign the request with AWS credentials (SigV4)"}
                )
                return
        event = http_api_event(
            method,
            parts.path,
            query=parts.query,
            body=body,
            headers={name.lower(): value for name, value in self.headers.items()},
            iam_caller=caller,
        )
        payload, errored = self.server.invoke_decision(event)
        if errored:
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR, {"message": payload.get("errorMessage", "error")}
            )
            return
        raw = payload.get("body") or ""
        data = base64.b64decode(raw) if payload.get("isBase64Encoded") else raw.encode("utf-8")
        headers = dict(payload.get("headers") or {})
        self._send_bytes(int(payload.get("statusCode", 200)), data, headers)

    def _caller(self) -> Mapping[str, Any] | None:
        match = _ACCESS_KEY.search(self.headers.get("Authorization") or "")
        return self.server.resolve_caller(match.group(1)) if match else None

    def _send_json(self, status: int, document: Any) -> None:
        self._send(status, json.dumps(document, indent=2), "application/json")

    def _send(self, status: int, text: str, content_type: str) -> None:
        self._send_bytes(
            status, text.encode("utf-8"), {"Content-Type": content_type, "Cache-Control": "no-store"}
        )

    def _send_bytes(self, status: int, data: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
