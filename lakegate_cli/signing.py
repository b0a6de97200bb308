"""SigV4-signed JSON requests to the owner decision URL (a Lambda function URL with AWS_IAM auth)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from lakegate_cli.errors import AWS_UNREACHABLE, CliError

if TYPE_CHECKING:
    from botocore.credentials import Credentials

SERVICE = "lambda"  # function URLs are signed for the lambda service
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Reply:
    status: int
    document: dict[str, Any]  # the JSON object answered, or {"message": <text>} for anything else


def post_json(url: str, document: dict[str, Any], *, credentials: Credentials, region: str) -> Reply:
    """POST ``document`` to ``url`` signed for ``lambda`` in ``region``; any HTTP status is a Reply."""
    body = json.dumps(document).encode("utf-8")
    signed = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials.get_frozen_credentials(), SERVICE, region).add_auth(signed)
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(signed.headers.items()))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return Reply(response.status, _document(response.read()))
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, _document(error.read()))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise CliError(
            f"could not reach the decision API at {url}: {reason}; "
            "check your network, or that the sandbox is running",
            AWS_UNREACHABLE,
        ) from None


def _document(raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"message": text.strip()[:300]}
    return parsed if isinstance(parsed, dict) else {"message": str(parsed)}
