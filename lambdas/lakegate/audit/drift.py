"""Permissions drift: the grants the ledger says are in force against what Lake Formation holds.

Only the principals lakegate manages are compared: every principal a lakegate request ever granted
to. Two kinds of difference come out, one permission at a time:

- ``outside the workflow``: Lake Formation holds a permission of a managed principal that no
  request in force granted (granted by hand, or left behind when a revocation was undone by hand);
- ``missing``: a request in force recorded a grant that Lake Formation no longer holds (revoked
  outside lakegate).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lakegate.core.people import person_for
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status import Status

if TYPE_CHECKING:
    from mypy_boto3_lakeformation import LakeFormationClient

OUTSIDE = "outside the workflow"
MISSING = "missing"

ResourceKey = tuple[str, str, str, tuple[str, ...]]  # kind, database, table ("*": all), columns


@dataclass(frozen=True)
class Permission:
    principal: str
    resource: ResourceKey
    permission: str


def resource_key(resource: Mapping[str, Any]) -> ResourceKey | None:
    """A Lake Formation resource as lakegate grants them, without catalog ids; None for other kinds."""
    if "Database" in resource:
        return ("database", resource["Database"]["Name"], "", ())
    if "Table" in resource:
        spec = resource["Table"]
        table = "*" if "TableWildcard" in spec else spec.get("Name", "")
        return ("table", spec["DatabaseName"], table, ())
    if "TableWithColumns" in resource:
        spec = resource["TableWithColumns"]
        columns = tuple(sorted(name.lower() for name in spec.get("ColumnNames") or ())) or ("*",)
        return ("columns", spec["DatabaseName"], spec["Name"], columns)
    return None


def recorded(
    records: Iterable[LedgerRecord],
) -> tuple[dict[Permission, str], set[str], dict[Permission, str]]:
    """From the ledger: permissions in force (to their request), managed principals, and revoked ones."""
    in_force: dict[Permission, str] = {}
    revoked: dict[Permission, str] = {}
    principals: set[str] = set()
    for record in records:
        active = record.get("status") == Status.GRANTED.value and not record.get("revoked_at")
        for grant in record.get("grants") or ():
            principals.add(grant["principal"])
            key = resource_key(grant["resource"])
            if key is None:
                continue
            for permission in grant["permissions"]:
                entry = Permission(grant["principal"], key, permission)
                (in_force if active else revoked)[entry] = str(record.get("request_id"))
    return in_force, principals, revoked


def held(lakeformation: LakeFormationClient, principals: set[str]) -> set[Permission]:
    """The permissions Lake Formation holds for ``principals`` (one paged ListPermissions of the catalog).

    ListPermissions takes a principal only together with a resource, so the whole catalog is listed
    once and filtered here, rather than once per principal and resource.
    """
    found: set[Permission] = set()
    for entry in _all_permissions(lakeformation):
        principal = entry.get("Principal", {}).get("DataLakePrincipalIdentifier")
        key = resource_key(entry.get("Resource") or {})
        if principal in principals and key is not None:
            found.update(
                Permission(principal, key, permission) for permission in entry.get("Permissions") or ()
            )
    return found


def drift(
    records: Iterable[LedgerRecord], lakeformation: LakeFormationClient, *, user_role_prefix: str
) -> list[dict[str, Any]]:
    """The differences, outside-the-workflow grants first, each as one row."""
    in_force, principals, revoked = recorded(records)
    actual = held(lakeformation, principals)
    outside = sorted(actual - in_force.keys(), key=_order)
    missing = sorted(in_force.keys() - actual, key=_order)
    return [
        _row(OUTSIDE, permission, revoked.get(permission), user_role_prefix) for permission in outside
    ] + [_row(MISSING, permission, in_force[permission], user_role_prefix) for permission in missing]


def _row(kind: str, permission: Permission, request_id: str | None, prefix: str) -> dict[str, Any]:
    return {
        "drift": kind,
        "principal": permission.principal,
        "person": person_for(permission.principal, prefix),
        "permission": permission.permission,
        "resource": describe(permission.resource),
        # For an outside grant: the request that granted it once and was revoked, if any.
        "request_id": request_id,
    }


def _all_permissions(lakeformation: LakeFormationClient) -> Iterator[Mapping[str, Any]]:
    arguments: dict[str, Any] = {"MaxResults": 1000}
    while True:
        page = lakeformation.list_permissions(**arguments)
        yield from page.get("PrincipalResourcePermissions", [])
        token = page.get("NextToken")
        if not token:
            return
        arguments["NextToken"] = token


def describe(key: ResourceKey) -> str:
    """A resource as a person reads it, as ``lakegate.workflow.grants.describe_resource`` words it."""
    kind, database, table, columns = key
    if kind == "database":
        return f"database {database}"
    if kind == "columns":
        named = "all columns" if columns == ("*",) else f"columns {', '.join(columns)}"
        return f"{named} of table {database}.{table}"
    return f"all tables of database {database}" if table == "*" else f"table {database}.{table}"


def _order(permission: Permission) -> tuple[str, ResourceKey, str]:
    return (permission.principal, permission.resource, permission.permission)
