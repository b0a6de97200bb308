"""The portal's Cognito user pool on moto, shaped as the central stack creates it (stacks/portal.py).

No self sign-up; sign-in by user name or email, case-insensitive; the stack's password policy; the
groups ``consumers``, ``owners``, ``admins``; the custom attributes ``consumer_account`` and
``owner_accounts``; and a public app client (no secret) allowing USER_PASSWORD_AUTH.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

POOL_NAME = "lakegate-portal"
CLIENT_NAME = "lakegate-portal"
# Group -> precedence (lower wins), as the stack gives them.
GROUPS: Mapping[str, int] = {"admins": 0, "owners": 10, "consumers": 20}
# Custom attribute -> its longest value: one 12-digit account, or comma-separated ones.
CUSTOM_ATTRIBUTES: Mapping[str, int] = {"consumer_account": 12, "owner_accounts": 2048}
AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


@dataclass(frozen=True)
class UserPool:
    """The pool and its app client, and the issuer its ID tokens carry."""

    pool_id: str
    client_id: str
    region: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"


def create_user_pool(cognito: Any, *, region: str) -> UserPool:
    """A pool without self sign-up, with the custom attributes and groups, and a client without secret."""
    pool_id = cognito.create_user_pool(
        PoolName=POOL_NAME,
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        AliasAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 14,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 3,
            }
        },
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            *(
                {
                    "Name": name,
                    "AttributeDataType": "String",
                    "Mutable": True,
                    "StringAttributeConstraints": {"MinLength": "12", "MaxLength": str(max_length)},
                }
                for name, max_length in CUSTOM_ATTRIBUTES.items()
            ),
        ],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]["Id"]
    for group, precedence in GROUPS.items():
        cognito.create_group(UserPoolId=pool_id, GroupName=group, Precedence=precedence)
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=CLIENT_NAME,
        GenerateSecret=False,
        ExplicitAuthFlows=list(AUTH_FLOWS),
        PreventUserExistenceErrors="ENABLED",
        IdTokenValidity=1,
        AccessTokenValidity=1,
        RefreshTokenValidity=12,
        TokenValidityUnits={"IdToken": "hours", "AccessToken": "hours", "RefreshToken": "hours"},
        ReadAttributes=["email", "email_verified", "name", *(f"custom:{name}" for name in CUSTOM_ATTRIBUTES)],
        WriteAttributes=["name"],
    )["UserPoolClient"]["ClientId"]
    return UserPool(pool_id=str(pool_id), client_id=str(client_id), region=region)


def create_user(
    cognito: Any,
    pool_id: str,
    *,
    username: str,
    password: str,
    email: str,
    groups: Sequence[str],
    attributes: Mapping[str, str] | None = None,
) -> None:
    """A user with a permanent password (no first-sign-in challenge), in ``groups``.

    ``attributes`` are the custom ones without their ``custom:`` prefix.
    """
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            *({"Name": f"custom:{name}", "Value": value} for name, value in (attributes or {}).items()),
        ],
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
