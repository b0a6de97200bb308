"""Who asked for a request: an identity lakegate verified, or a name the input only claims.

Anyone who may start an execution can write any ``requester`` into its input, so that text is
recorded as ``claimed_by`` and never decides what a portal user may see. A submission path that
knows its caller (the portal: the signed-in user) adds a ``requester_proof``: the identity, how it
was verified, and a KMS HMAC over the execution name, the request and the identity. Only lakegate's
roles may generate that MAC with the deployment's key, and the proof is bound to one execution name,
so it can be neither forged nor copied onto another request. ``evaluate_request`` verifies it and
records the identity as ``requester``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from lakegate.core.errors import InvalidRequest, error_code, raise_if_transient
from lakegate.ledger.record import LedgerRecord, request_of
from lakegate.requests.model import MAX_REQUESTER_LENGTH, AccessRequest

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

PROOF_FIELD = "requester_proof"
# How an identity was verified: the portal's signed-in (Cognito) user.
VIA_PORTAL = "portal"
VIAS = {VIA_PORTAL: "signed in to the portal"}
MAC_ALGORITHM: Final = "HMAC_SHA_256"


@dataclass(frozen=True)
class RequesterProof:
    identity: str
    via: str
    mac: bytes

    def to_dict(self) -> dict[str, str]:
        return {"identity": self.identity, "via": self.via, "mac": base64.b64encode(self.mac).decode("ascii")}


def parse_proof(payload: object) -> RequesterProof | None:
    """The input's ``requester_proof``, if any; InvalidRequest naming what is malformed."""
    if not isinstance(payload, Mapping) or payload.get(PROOF_FIELD) is None:
        return None
    proof = payload[PROOF_FIELD]
    if not isinstance(proof, Mapping) or set(proof) != {"identity", "via", "mac"}:
        raise InvalidRequest(f"{PROOF_FIELD}: must be an object with exactly identity, via and mac")
    identity, via, mac = proof["identity"], proof["via"], proof["mac"]
    if not isinstance(identity, str) or not identity.strip() or len(identity) > MAX_REQUESTER_LENGTH:
        raise InvalidRequest(
            f"{PROOF_FIELD}.identity: must be a name of 1 to {MAX_REQUESTER_LENGTH} characters"
        )
    if via not in VIAS:
        raise InvalidRequest(f"{PROOF_FIELD}.via: must be one of {', '.join(VIAS)}, got {via!r}")
    try:
        decoded = base64.b64decode(str(mac), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"{PROOF_FIELD}.mac: is not base64") from None
    return RequesterProof(identity, via, decoded)


def _message(request_id: str, request: AccessRequest, identity: str, via: str) -> bytes:
    """What the MAC covers, as a digest (KMS takes at most 4 KB; a justification alone may be 8)."""
    document = {"request_id": request_id, "request": request.to_dict(), "identity": identity, "via": via}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).digest()


class RequesterKey:
    """The deployment's KMS HMAC key: proves, and checks, who submitted a request."""

    def __init__(self, key_id: str, *, kms: KMSClient) -> None:
        self.key_id = key_id
        self._kms = kms

    def prove(self, request_id: str, request: AccessRequest, *, identity: str, via: str) -> dict[str, str]:
        """The ``requester_proof`` for the execution ``request_id`` of ``request``, by ``identity``."""
        try:
            response = self._kms.generate_mac(
                KeyId=self.key_id,
                Message=_message(request_id, request, identity, via),
                MacAlgorithm=MAC_ALGORITHM,
            )
        except ClientError as error:
            raise_if_transient(error, "proving who asked")
            raise
        return RequesterProof(identity, via, response["Mac"]).to_dict()

    def verified(self, request_id: str, request: AccessRequest, proof: RequesterProof) -> bool:
        """Whether ``proof`` was made by this key for exactly this execution, request and identity."""
        try:
            response = self._kms.verify_mac(
                KeyId=self.key_id,
                Message=_message(request_id, request, proof.identity, proof.via),
                MacAlgorithm=MAC_ALGORITHM,
                Mac=proof.mac,
            )
        except ClientError as error:
            raise_if_transient(error, "checking who asked")
            if error_code(error) == "KMSInvalidMacException":
                return False
            raise
        return bool(response.get("MacValid"))


def verified_requester(
    request_id: str, request: AccessRequest, payload: Any, *, key: RequesterKey
) -> tuple[str | None, str | None]:
    """``(identity, via)`` of a valid proof; ``(None, None)`` without one. A proof that fails is refused."""
    proof = parse_proof(payload)
    if proof is None:
        return None, None
    if not key.verified(request_id, request, proof):
        raise InvalidRequest(
            f"{PROOF_FIELD}: does not verify for this request; submit it through the portal or the CLI, "
            f"or leave {PROOF_FIELD} out (the requester is then recorded as claimed, not verified)"
        )
    return proof.identity, proof.via


def requester_label(record: LedgerRecord) -> str:
    """Who asked, as a person reads it: verified, claimed (not verified), or not given.

    Records written before requesters were verified have a ``requester`` but no
    ``requester_verified_by``: theirs is shown as claimed.
    """
    via = record.get("requester_verified_by")
    if record.get("requester") and via:
        return f"{record['requester']} ({VIAS.get(str(via), 'verified')})"
    claimed = record.get("claimed_by") or record.get("requester") or request_of(record).get("requester")
    return f"{claimed} (claimed, not verified)" if claimed else "not given"
