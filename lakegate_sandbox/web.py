"""The sandbox's web server: the decision API and the portal as API Gateway would call them, the outbox, info.

Requests under ``/requests/``, ``/owner/requests/`` and ``/assets/`` (the pages' stylesheet) become
the API Gateway HTTP API events the decision function receives in AWS, and its response goes back
unchanged. The owner route is AWS_IAM-authorized in AWS; here the caller is resolved from the
request's SigV4 access key through the emulator's STS, because moto does not verify signatures.

The portal's routes (``PORTAL_ROUTES``, as the central stack declares them) go to the portal function
the same way; those under ``/portal/app/`` first pass the JWT authorizer (``sandbox.jwt_authorizer``),
which answers 401 itself, as API Gateway does, and otherwise hands the verified claims to the function.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from lakegate_offline.http_api import http_api_event
from lakegate_sandbox.jwt_authorizer import JwtAuthorizer, Unauthorized
from lakegate_sandbox.outbox import Outbox
from lakegate_sandbox.pages import index_page, outbox_page

MAX_BODY_BYTES = 64 * 1024
_ACCESS_KEY = re.compile(r"Credential=([A-Z0-9]+)/")

Invoke = Callable[[dict[str, Any]], tuple[dict[str, Any], bool]]
ResolveCaller = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class PortalRoute:
    """One HTTP API route of the portal: ``method`` (None: any) and a path pattern with named parameters."""

    method: str | None
    pattern: re.Pattern[str]
    route_key: str
    authorized: bool = False


PORTAL_ROUTES: Sequence[PortalRoute] = (
    PortalRoute("GET", re.compile(r"/portal"), "GET /portal"),
    PortalRoute("POST", re.compile(r"/portal/signin"), "POST /portal/signin"),
    PortalRoute("POST", re.compile(r"/portal/signin/new-password"), "POST /portal/signin/new-password"),
    PortalRoute("GET", re.compile(r"/portal/assets/(?P<file>[^/]+)"), "GET /portal/assets/{file}"),
    PortalRoute(None, re.compile(r"/portal/app/(?P<proxy>.+)"), "ANY /portal/app/{proxy+}", authorized=True),
)


@dataclass(frozen=True)
class Portal:
    """The portal function and the authorizer of its ``/portal/app/`` routes."""

    invoke: Invoke
    authorizer: JwtAuthorizer


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
        portal: Portal | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.portal = portal
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
        if path.startswith(("/requests/", "/owner/requests/", "/assets/")):
            self._decision(method)
        elif path == "/portal" or path.startswith("/portal/"):
            self._portal(method, path)
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
        body = self._body()
        if body is None:
            return
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
            body=body or None,
            headers={name.lower(): value for name, value in self.headers.items()},
            iam_caller=caller,
        )
        self._respond(*self.server.invoke_decision(event))

    def _portal(self, method: str, path: str) -> None:
        """A portal route, as the HTTP API routes it: unknown routes 404, ``/portal/app/`` authorized."""
        body = self._body()
        if body is None:
            return
        portal = self.server.portal
        if portal is None:
            self._send_json(HTTPStatus.NOT_FOUND, {"message": "the portal function is not deployed"})
            return
        route, parameters = _match_portal_route(method, path)
        if route is None:
            self._send(HTTPStatus.NOT_FOUND, '{"message":"Not Found"}', "application/json")
            return
        claims = None
        if route.authorized:
            try:
                claims = portal.authorizer.authorize(self.headers.get("Authorization"))
            except Unauthorized:
                # API Gateway's own answer, byte for byte.
                self._send(
                    HTTPStatus.UNAUTHORIZED,
                    '{"message":"Unauthorized"}',
                    "application/json",
                    {"WWW-Authenticate": "Bearer"},
                )
                return
        parts = urlsplit(self.path)
        event = http_api_event(
            method,
            path,
            query=parts.query,
            body=body or None,
            headers={name.lower(): value for name, value in self.headers.items()},
            route_key=route.route_key,
            jwt_claims=claims,
        )
        if parameters:
            event["pathParameters"] = parameters
        self._respond(*portal.invoke(event))

    def _body(self) -> bytes | None:
        """The request body (b"" when there is none), or None after answering 413 to one too large."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body must not be taken for the next request
            self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "request body too large"})
            return None
        return self.rfile.read(length) if length else b""

    def _respond(self, payload: Any, errored: bool) -> None:
        """Send a function's (payload format 2.0) response as API Gateway does."""
        if errored:
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR, {"message": payload.get("errorMessage", "error")}
            )
            return
        if not isinstance(payload, dict) or "statusCode" not in payload:
            # A function returning anything else: API Gateway sends it as a JSON body with 200.
            self._send_json(HTTPStatus.OK, payload)
            return
        raw = payload.get("body") or ""
        data = base64.b64decode(raw) if payload.get("isBase64Encoded") else raw.encode("utf-8")
        headers = dict(payload.get("headers") or {})
        self._send_bytes(int(payload["statusCode"]), data, headers, cookies=payload.get("cookies") or ())

    def _caller(self) -> Mapping[str, Any] | None:
        match = _ACCESS_KEY.search(self.headers.get("Authorization") or "")
        return self.server.resolve_caller(match.group(1)) if match else None

    def _send_json(self, status: int, document: Any) -> None:
        self._send(status, json.dumps(document, indent=2), "application/json")

    def _send(
        self, status: int, text: str, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self._send_bytes(
            status,
            text.encode("utf-8"),
            {"Content-Type": content_type, "Cache-Control": "no-store", **(headers or {})},
        )

    def _send_bytes(
        self, status: int, data: bytes, headers: Mapping[str, str], *, cookies: Sequence[str] = ()
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _match_portal_route(method: str, path: str) -> tuple[PortalRoute | None, dict[str, str]]:
    for route in PORTAL_ROUTES:
        match = route.pattern.fullmatch(path)
        if match and route.method in (None, method):
            return route, match.groupdict()
    return None, {}
