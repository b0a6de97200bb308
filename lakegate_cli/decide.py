"""``lakegate approve ID`` / ``lakegate deny ID``: a data owner decides with their AWS identity.

The decision is a SigV4-signed POST to the decision function's URL (AWS_IAM auth), whose resource
policy admits the producer accounts; Lambda authenticates the caller, and the decision function
allows only identities of the request's data owner account, recording the caller's ARN as the
approver.
"""

from __future__ import annotations

import argparse
import os
from typing import Any
from urllib.parse import urlsplit

from lakegate.approvals.links import APPROVE, DENY, owner_request_path
from lakegate_cli.connection import Connection, add_connection_options, connect, read_settings
from lakegate_cli.errors import FAILED, USAGE, CliError
from lakegate_cli.render import add_json_option, print_json, wants_json
from lakegate_cli.signing import Reply, post_json

OWNER_URL_VARIABLE = "LAKEGATE_OWNER_DECISION_URL"
_IAM_HINT = (
    "your AWS identity must be allowed lambda:InvokeFunctionUrl and lambda:InvokeFunction on the owner "
    "decision function and belong to the request's data owner account"
)


REVOKE = "revoke"


def register(subparsers: Any) -> None:
    for action, verb in ((APPROVE, "approve"), (DENY, "deny")):
        parser = subparsers.add_parser(
            verb,
            help=f"{verb} a pending request as its data owner (with your AWS identity)",
            description=f"{verb.capitalize()} a pending request. Run it with credentials of the data owner's "
            "account; your identity's ARN is recorded as who decided.",
        )
        _add_common_options(parser)
        parser.set_defaults(func=run, action=action)
    parser = subparsers.add_parser(
        REVOKE,
        help="revoke a granted request's access, as its data owner or a central administrator",
        description="Remove exactly the grants recorded for a granted request. Run it with credentials of "
        "the data owner's account or of the central account; your identity's ARN is recorded as who "
        "revoked. Revoking twice is harmless. The consumer can request again afterwards.",
    )
    _add_common_options(parser)
    parser.set_defaults(func=run, action=REVOKE)


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("request_id", metavar="ID", help="the request id")
    parser.add_argument("--comment", help="why; recorded and sent to the consumer (up to 1000 characters)")
    parser.add_argument(
        "--owner-decision-url",
        metavar="URL",
        help="the central stack's OwnerDecisionUrl output, for owners whose account cannot read the "
        f"central settings parameter (default: ${OWNER_URL_VARIABLE}, else the settings parameter)",
    )
    add_connection_options(parser)
    add_json_option(parser)


def run(args: argparse.Namespace) -> int:
    connection = connect(args)
    url = owner_decision_url(connection, args).rstrip("/") + owner_request_path(args.request_id)
    body: dict[str, Any] = {} if args.action == REVOKE else {"action": args.action}
    if args.action == REVOKE:
        url += "/revoke"
    if args.comment is not None:
        body["comment"] = args.comment
    reply = post_json(url, body, credentials=connection.credentials(), region=connection.region)
    if reply.status == 200:
        if wants_json(args):
            print_json(reply.document)
        elif args.action == REVOKE:
            print(_revoked_line(args.request_id, reply.document))
        else:
            print(_decided_line(args.request_id, reply.document))
        return 0
    message, exit_code = _refusal(args.request_id, reply)
    raise CliError(message, exit_code, document={"http_status": reply.status, **reply.document})


def owner_decision_url(connection: Connection, args: argparse.Namespace) -> str:
    """The owner decision URL: given, or read from the settings parameter in the caller's account.

    Owners decide with their own account's credentials, and the settings parameter lives in the
    central account, so an owner passes the URL (or has it in the environment) unless a parameter
    with at least ``owner_decision_url`` exists in their account.
    """
    given = args.owner_decision_url or os.environ.get(OWNER_URL_VARIABLE, "").strip()
    if given:
        parts = urlsplit(given)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CliError(f"--owner-decision-url: {given!r} is not an http(s) URL", USAGE)
        return str(given)
    hint = f"; an owner in a producer account can pass --owner-decision-url (or set ${OWNER_URL_VARIABLE})"
    return read_settings(connection, ("owner_decision_url",), hint=hint)["owner_decision_url"]


def _decided_line(request_id: str, document: dict[str, Any]) -> str:
    item = f" ({document['item']})" if document.get("item") else ""
    line = f"{request_id}{item}: {document.get('status')} by {document.get('decided_by')}"
    return f"{line}; comment: {document['comment']}" if document.get("comment") else line


def _revoked_line(request_id: str, document: dict[str, Any]) -> str:
    who = f"by {document.get('revoked_by')} at {document.get('revoked_at')}"
    if not document.get("revoked_now"):
        return f"{request_id} was already revoked {who} ({document.get('reason')}); nothing changed"
    removed, not_held = document.get("removed") or [], document.get("not_held") or []
    parts = [f"removed {'; '.join(removed)}"] if removed else ["removed nothing"]
    if not_held:
        parts.append(f"Lake Formation no longer held {'; '.join(not_held)}")
    parts += [
        f"kept {part['grant']}: still held by request {', '.join(part['held_by'])}"
        for part in document.get("kept") or []
    ]
    return f"{request_id}: REVOKED {who}; " + "; ".join(parts)


def _refusal(request_id: str, reply: Reply) -> tuple[str, int]:
    """A one-line error and exit code for a decision the API did not take."""
    message = str(reply.document.get("message") or f"HTTP {reply.status}")
    ours = "error" in reply.document  # the decision function answered, not API Gateway itself
    if reply.status == 400:
        return f"decision not understood: {message}", USAGE
    if reply.status == 403:
        return (f"not allowed to decide {request_id}: {message}" + ("" if ours else f"; {_IAM_HINT}")), FAILED
    if reply.status == 404:
        if ours:
            return f"no request {request_id}; list the requests with: lakegate list", FAILED
        return f"the decision API has no owner route ({message}); deploy the central stack again", FAILED
    if reply.status in (409, 410):
        return message, FAILED
    return f"the decision was not taken (HTTP {reply.status}: {message}); nothing changed, try again", FAILED
