"""Who is signed in to the portal, what their groups allow, and the forms' CSRF check.

API Gateway's JWT authorizer has verified the Cognito ID token before the function runs and passes
its claims in ``requestContext.authorizer.jwt.claims``: every value a string, arrays flattened as
``"[consumers owners]"``. Claims are read here in either form (a real list too), and nothing else
about the caller is trusted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lakegate.core.errors import LakegateError
from lakegate.core.identifiers import is_account_id

CONSUMERS = "consumers"
OWNERS = "owners"
ADMINS = "admins"
PORTAL_GROUPS = (CONSUMERS, OWNERS, ADMINS)
# Who may do what (admins may do everything).
MAY_BROWSE = PORTAL_GROUPS
MAY_REQUEST = (CONSUMERS, ADMINS)
MAY_DECIDE = (OWNERS, ADMINS)

USERNAME_CLAIM = "cognito:username"
EMAIL_CLAIM = "email"
GROUPS_CLAIM = "cognito:groups"
CONSUMER_ACCOUNT_CLAIM = "custom:consumer_account"
OWNER_ACCOUNTS_CLAIM = "custom:owner_accounts"

CSRF_FIELD = "csrf"
CSRF_LENGTH = 32
_BEARER = "bearer "
_SEPARATORS = re.compile(r"[\s,]+")


class NotSignedIn(LakegateError):
    """The request carries no verified claims (the route is not behind the JWT authorizer)."""


class Forbidden(LakegateError):
    """The signed-in user is in none of the groups a page needs."""

    def __init__(self, needed: Iterable[str]) -> None:
        self.needed = tuple(needed)
        super().__init__(f"this page needs membership of the group {_either(self.needed)}")


class CsrfRejected(LakegateError):
    """A form was posted without the ``csrf`` field of the signed-in session."""


@dataclass(frozen=True)
class PortalUser:
    """The signed-in user, from the ID token's claims."""

    username: str
    email: str
    groups: frozenset[str]
    consumer_account: str | None
    owner_accounts: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMINS in self.groups

    def in_any(self, groups: Iterable[str]) -> bool:
        return self.is_admin or any(group in self.groups for group in groups)

    def may_decide_for(self, account_id: str) -> bool:
        """Admins decide for every account; owners for the accounts in ``custom:owner_accounts``."""
        return self.is_admin or (OWNERS in self.groups and account_id in self.owner_accounts)

    def may_request_for(self, account_id: str) -> bool:
        """Admins request for any account; consumers for their ``custom:consumer_account`` only."""
        return self.is_admin or (CONSUMERS in self.groups and account_id == self.consumer_account)


def claim_values(value: Any) -> tuple[str, ...]:
    """A multi-valued claim as a tuple: from a list, ``"[a b]"`` (API Gateway) or ``"a,b"`` (attributes)."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        items = [str(item) for item in value]
    else:
        text = str(value).strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items = _SEPARATORS.split(text)
    return tuple(item.strip() for item in items if item.strip())


def user_from_claims(claims: Mapping[str, Any] | None) -> PortalUser:
    """The user the claims describe; NotSignedIn without a user name."""
    claims = claims or {}
    username = str(claims.get(USERNAME_CLAIM) or "").strip()
    if not username:
        raise NotSignedIn("the request carries no signed-in user")
    consumer = str(claims.get(CONSUMER_ACCOUNT_CLAIM) or "").strip()
    return PortalUser(
        username=username,
        email=str(claims.get(EMAIL_CLAIM) or "").strip(),
        groups=frozenset(claim_values(claims.get(GROUPS_CLAIM))),
        consumer_account=consumer if is_account_id(consumer) else None,
        owner_accounts=frozenset(
            account for account in claim_values(claims.get(OWNER_ACCOUNTS_CLAIM)) if is_account_id(account)
        ),
    )


def require_group(user: PortalUser, groups: Iterable[str]) -> None:
    """Forbidden unless the user is an admin or in one of ``groups``."""
    needed = tuple(groups)
    if not user.in_any(needed):
        raise Forbidden(needed)


def bearer_token(headers: Mapping[str, str] | None) -> str:
    """The token of the ``Authorization`` header (with or without ``Bearer``), or an empty string."""
    value = next((text for name, text in (headers or {}).items() if name.lower() == "authorization"), "")
    value = (value or "").strip()
    if value.lower().startswith(_BEARER):
        value = value[len(_BEARER) :].strip()
    return value


def csrf_token(bearer: str) -> str:
    """The forms' ``csrf`` value: the first 32 hex characters of the SHA-256 of the bearer token."""
    if not bearer:
        return ""
    return hashlib.sha256(bearer.encode("utf-8")).hexdigest()[:CSRF_LENGTH]


def check_csrf(submitted: str | None, bearer: str) -> None:
    """CsrfRejected unless ``submitted`` is the ``csrf`` value of this request's token."""
    expected = csrf_token(bearer)
    if not expected or not submitted or not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise CsrfRejected("the form is not from this signed-in session; open the page again and resend it")


def _either(groups: tuple[str, ...]) -> str:
    quoted = [f'"{group}"' for group in groups]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"
