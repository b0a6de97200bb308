"""Which Lake Formation grants a request needs, as plain data (no AWS calls here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lakegate.requests.model import AccessRequest


@dataclass(frozen=True)
class Grant:
    """One Lake Formation grant: a principal, a resource, permissions and those it may pass on."""

    principal: str
    resource: Mapping[str, Any]
    permissions: tuple[str, ...]
    grantable: tuple[str, ...]

    def api_arguments(self) -> dict[str, Any]:
        """Arguments for ``GrantPermissions`` and ``RevokePermissions``."""
        return {
            "Principal": {"DataLakePrincipalIdentifier": self.principal},
            "Resource": dict(self.resource),
            "Permissions": list(self.permissions),
            "PermissionsWithGrantOption": list(self.grantable),
        }

    def describe(self) -> str:
        return f"{', '.join(self.permissions)} on {describe_resource(self.resource)} to {self.principal}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "resource": dict(self.resource),
            "permissions": list(self.permissions),
            "grantable": list(self.grantable),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Grant:
        return cls(
            principal=data["principal"],
            resource=data["resource"],
            permissions=tuple(data["permissions"]),
            grantable=tuple(data.get("grantable") or ()),
        )


def plan_grants(request: AccessRequest) -> list[Grant]:
    """The grants that give the grantee exactly what the request asks for.

    A consumer account (rather than a role) receives the permissions with grant option, which
    its data lake administrator needs to pass them on to the account's own principals.
    """
    principal = request.grantee
    with_option = request.principal is None

    def grant(resource: Mapping[str, Any], permissions: tuple[str, ...]) -> Grant:
        return Grant(principal, resource, permissions, permissions if with_option else ())

    if request.table is None:
        return [
            grant({"Database": {"Name": request.database}}, ("DESCRIBE",)),
            grant({"Table": {"DatabaseName": request.database, "TableWildcard": {}}}, request.permissions),
        ]
    if request.columns:
        resource = {
            "TableWithColumns": {
                "DatabaseName": request.database,
                "Name": request.table,
                "ColumnNames": list(request.columns),
            }
        }
        return [grant(resource, ("SELECT",))]
    return [grant({"Table": {"DatabaseName": request.database, "Name": request.table}}, request.permissions)]


def describe_resource(resource: Mapping[str, Any]) -> str:
    if "Database" in resource:
        return f"database {resource['Database']['Name']}"
    if "TableWithColumns" in resource:
        spec = resource["TableWithColumns"]
        return f"columns {', '.join(spec['ColumnNames'])} of table {spec['DatabaseName']}.{spec['Name']}"
    spec = resource["Table"]
    if "TableWildcard" in spec:
        return f"all tables of database {spec['DatabaseName']}"
    return f"table {spec['DatabaseName']}.{spec['Name']}"
