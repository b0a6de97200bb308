"""The request portal in the sandbox: sample users in the mesh's user pool, and the routes' authorizer."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, REGION, OfflineMesh
from lakegate_offline.user_pool import UserPool, create_user
from lakegate_sandbox.jwt_authorizer import JwtAuthorizer, cognito_jwks

FUNCTION_KEY = "portal"


@dataclass(frozen=True)
class PortalUser:
    """A sample user: sign in with ``username`` and ``password`` (permanent: no first-sign-in change)."""

    username: str
    password: str
    email: str
    groups: tuple[str, ...]
    consumer_account: str = ""
    owner_accounts: str = ""

    def to_json(self) -> dict[str, object]:
        document = asdict(self)
        document["groups"] = list(self.groups)
        return document


# The sample catalog's databases belong to the producer account, so its owner decides them all.
SAMPLE_USERS = (
    PortalUser(
        username="consumer",
        password="Sandbox-Consumer-01",
        email="consumer@example.com",
        groups=("consumers",),
        consumer_account=CONSUMER_ACCOUNT,
    ),
    PortalUser(
        username="owner",
        password="Sandbox-Owner-01",
        email="owner@example.com",
        groups=("owners",),
        owner_accounts=PRODUCER_ACCOUNT,
    ),
    PortalUser(
        username="admin",
        password="Sandbox-Admin-01",
        email="admin@example.com",
        groups=("admins",),
    ),
)


def create_sample_users(mesh: OfflineMesh) -> tuple[PortalUser, ...]:
    """The sample users in the mesh's user pool, with their groups and custom attributes."""
    cognito = mesh.client("cognito-idp")
    for user in SAMPLE_USERS:
        attributes = {
            name: value
            for name, value in (
                ("consumer_account", user.consumer_account),
                ("owner_accounts", user.owner_accounts),
            )
            if value
        }
        create_user(
            cognito,
            mesh.user_pool_id,
            username=user.username,
            password=user.password,
            email=user.email,
            groups=user.groups,
            attributes=attributes,
        )
    return SAMPLE_USERS


def portal_authorizer(mesh: OfflineMesh, endpoint: str) -> JwtAuthorizer:
    """The authorizer of the ``/portal/app/`` routes: the pool's issuer and keys, its client as audience."""
    pool = UserPool(pool_id=mesh.user_pool_id, client_id=mesh.user_pool_client_id, region=REGION)
    return JwtAuthorizer(
        issuer=pool.issuer, audience=pool.client_id, keys=cognito_jwks(endpoint, pool.pool_id, REGION)
    )
