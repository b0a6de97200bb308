"""The access request a consumer submits: parsing, validation and the normalized model.

Validation fails fast with ``InvalidRequest`` whose message names the field and says what to
fix, because the message becomes the cause of the failed execution a person reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lakegate.core.errors import InvalidRequest
from lakegate.core.identifiers import is_account_id, role_arn
from lakegate.ledger.record import StoredRequest

WHOLE_DATABASE = "*"
ALLOWED_PERMISSIONS = ("SELECT", "DESCRIBE")
DEFAULT_PERMISSIONS = ("SELECT", "DESCRIBE")
MAX_DURATION_DAYS = 365
MAX_JUSTIFICATION_LENGTH = 2000
MAX_REQUESTER_LENGTH = 256

_TOP_LEVEL_FIELDS = frozenset(
    # requester_proof is read by lakegate.requests.requester, not part of the request itself.
    {"source", "target", "permissions", "requester", "justification", "duration_days", "requester_proof"}
)
_SOURCE_FIELDS = frozenset({"database", "table", "columns"})
_TARGET_FIELDS = frozenset({"account_id", "principal"})
# Glue stores database and table names in lower case; hyphens are allowed, spaces are not.
_CATALOG_NAME = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,254}$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

Scope = Literal["database", "table", "columns"]


@dataclass(frozen=True)
class AccessRequest:
    """A validated, normalized access request."""

    database: str
    table: str | None  # None asks for the whole database
    columns: tuple[str, ...]  # empty asks for the whole table
    consumer_account: str
    principal: str | None  # an IAM role ARN in the consumer account; None means the account itself
    permissions: tuple[str, ...]
    requester: str | None = None
    justification: str | None = None
    duration_days: int | None = None

    @property
    def scope(self) -> Scope:
        if self.table is None:
            return "database"
        return "columns" if self.columns else "table"

    @property
    def grantee(self) -> str:
        """Who receives the grants: the named role, or else the consumer account."""
        return self.principal or self.consumer_account

    @property
    def item_name(self) -> str:
        """The requested item as a person reads it: ``sales``, ``sales.orders`` or with columns."""
        if self.table is None:
            return f"{self.database} (whole database)"
        name = f"{self.database}.{self.table}"
        return f"{name} (columns {', '.join(self.columns)})" if self.columns else name

    def to_dict(self) -> StoredRequest:
        """The request in the shape stored in the ledger and passed between steps."""
        return {
            "database": self.database,
            "table": self.table if self.table is not None else WHOLE_DATABASE,
            "columns": list(self.columns),
            "consumer_account": self.consumer_account,
            "principal": self.principal,
            "permissions": list(self.permissions),
            "requester": self.requester,
            "justification": self.justification,
            "duration_days": self.duration_days,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccessRequest:
        """Rebuild a request stored by ``to_dict`` (already validated when it was stored)."""
        table = data["table"]
        duration = data.get("duration_days")
        return cls(
            database=data["database"],
            table=None if table == WHOLE_DATABASE else table,
            columns=tuple(data.get("columns") or ()),
            consumer_account=data["consumer_account"],
            principal=data.get("principal"),
            permissions=tuple(data["permissions"]),
            requester=data.get("requester"),
            justification=data.get("justification"),
            duration_days=int(duration) if duration is not None else None,
        )


def parse_request(payload: Any, *, partition: str | None) -> AccessRequest:
    """Validate the execution input and return the normalized request.

    ``partition`` is the deployment's (``core.identifiers.current_partition``); None accepts a role
    of any partition, for a check ahead of the workflow, which checks it again with its own.
    """
    body = _object(payload, "the request")
    _reject_unknown(body, _TOP_LEVEL_FIELDS, "")
    source = _object(body.get("source"), "source")
    _reject_unknown(source, _SOURCE_FIELDS, "source.")
    target = _object(body.get("target"), "target")
    _reject_unknown(target, _TARGET_FIELDS, "target.")

    database = _catalog_name(source.get("database"), "source.database")
    raw_table = source.get("table")
    if raw_table == WHOLE_DATABASE:
        table = None
    else:
        table = _catalog_name(raw_table, "source.table", hint=' (or "*" for the whole database)')
    columns = _columns(source.get("columns"), whole_database=table is None)
    consumer_account = _account_id(target.get("account_id"))
    principal = _principal(target.get("principal"), consumer_account, partition)
    permissions = _permissions(body.get("permissions"), for_columns=bool(columns))
    return AccessRequest(
        database=database,
        table=table,
        columns=columns,
        consumer_account=consumer_account,
        principal=principal,
        permissions=permissions,
        requester=_optional_text(body.get("requester"), "requester", MAX_REQUESTER_LENGTH),
        justification=_optional_text(body.get("justification"), "justification", MAX_JUSTIFICATION_LENGTH),
        duration_days=_duration_days(body.get("duration_days")),
    )


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        raise InvalidRequest(f"{field}: is required")
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"{field}: must be a JSON object, got {type(value).__name__}")
    return value


def _reject_unknown(body: Mapping[str, Any], allowed: frozenset[str], prefix: str) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        names = ", ".join(prefix + str(name) for name in unknown)
        expected = ", ".join(prefix + name for name in sorted(allowed))
        raise InvalidRequest(f"{names}: unknown field; expected only {expected}")


def _catalog_name(value: Any, field: str, hint: str = "") -> str:
    if value is None or value == "":
        raise InvalidRequest(f"{field}: is required{hint}")
    if not isinstance(value, str):
        raise InvalidRequest(f"{field}: must be a string{hint}")
    name = value.strip().lower()
    if not _CATALOG_NAME.match(name):
        raise InvalidRequest(
            f"{field}: {value!r} is not a catalog name (letters, digits, '_' and '-', up to 255){hint}"
        )
    return name


def _columns(value: Any, *, whole_database: bool) -> tuple[str, ...]:
    if value is None:
        return ()
    if whole_database:
        raise InvalidRequest('source.columns: cannot be combined with "table": "*"; name a table')
    if not isinstance(value, list) or not value:
        raise InvalidRequest("source.columns: must be a non-empty list of column names, or left out")
    columns: list[str] = []
    for index, column in enumerate(value):
        field = f"source.columns[{index}]"
        if not isinstance(column, str) or not column.strip():
            raise InvalidRequest(f"{field}: must be a non-empty string")
        name = column.strip().lower()
        if len(name) > 255 or _CONTROL_CHARACTERS.search(name):
            raise InvalidRequest(f"{field}: {column!r} is not a column name")
        if name in columns:
            raise InvalidRequest(f"{field}: {column!r} is listed twice")
        columns.append(name)
    return tuple(columns)


def _account_id(value: Any) -> str:
    if value is None or value == "":
        raise InvalidRequest("target.account_id: is required")
    if not is_account_id(value):
        raise InvalidRequest(
            f"target.account_id: {value!r} is not a 12-digit AWS account id (write it as a string)"
        )
    return str(value)


def _principal(value: Any, account_id: str, partition: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidRequest("target.principal: must be an IAM role ARN string")
    arn = role_arn(value.strip(" "))
    if arn is None:
        raise InvalidRequest(
            f"target.principal: {value!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
        )
    if partition is not None and arn.partition != partition:
        raise InvalidRequest(
            f"target.principal: the role is in partition {arn.partition}, but lakegate runs in {partition}; "
            f"use arn:{partition}:iam::{account_id}:role/<name>"
        )
    if arn.account_id != account_id:
        raise InvalidRequest(
            f"target.principal: the role is in account {arn.account_id}, "
            f"but target.account_id is {account_id}; use a role of the consumer account"
        )
    return value.strip(" ")


def _permissions(value: Any, *, for_columns: bool) -> tuple[str, ...]:
    if value is None:
        return ("SELECT",) if for_columns else DEFAULT_PERMISSIONS
    if not isinstance(value, list) or not value:
        raise InvalidRequest(
            f"permissions: must be a non-empty list drawn from {', '.join(ALLOWED_PERMISSIONS)}"
        )
    permissions: list[str] = []
    for index, permission in enumerate(value):
        name = permission.strip().upper() if isinstance(permission, str) else None
        if name not in ALLOWED_PERMISSIONS:
            raise InvalidRequest(
                f"permissions[{index}]: {permission!r} is not allowed; "
                f"choose from {', '.join(ALLOWED_PERMISSIONS)}"
            )
        if name not in permissions:
            permissions.append(name)
    if for_columns:
        # Lake Formation grants columns with SELECT only; SELECT on columns lets the grantee
        # describe those columns, so DESCRIBE alone cannot be granted on columns.
        if "SELECT" not in permissions:
            raise InvalidRequest(
                "permissions: a column request is granted SELECT on the columns; include SELECT"
            )
        return ("SELECT",)
    return tuple(permissions)


def _optional_text(value: Any, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{field}: must be a string")
    text = value.strip()
    if len(text) > max_length:
        raise InvalidRequest(f"{field}: is {len(text)} characters long; the limit is {max_length}")
    return text or None


def _duration_days(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"duration_days: must be a whole number of days, got {value!r}")
    if not 1 <= value <= MAX_DURATION_DAYS:
        raise InvalidRequest(f"duration_days: must be between 1 and {MAX_DURATION_DAYS}, got {value}")
    return value
