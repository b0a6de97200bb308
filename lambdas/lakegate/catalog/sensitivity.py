"""Deciding whether a request touches anything sensitive, over its whole scope."""

from __future__ import annotations

from dataclasses import dataclass

from lakegate.catalog.reader import CatalogScope, Table
from lakegate.requests.model import AccessRequest

MAX_REASONS_LISTED = 25  # keeps the workflow state and the email readable for huge databases


@dataclass(frozen=True)
class Sensitivity:
    sensitive: bool
    reasons: tuple[str, ...]  # what made it sensitive, as a person reads it


def assess(request: AccessRequest, scope: CatalogScope) -> Sensitivity:
    """Sensitivity of the request.

    A database request looks at the database, every table and every column; a table request at
    the database, the table and all its columns; a column request at the database, the table and
    the requested columns only. Partition keys count as columns.
    """
    return assess_scope(scope, request.columns)


def assess_scope(scope: CatalogScope, columns: tuple[str, ...] = ()) -> Sensitivity:
    """Sensitivity of ``scope``, looking only at ``columns`` of its tables when some are named."""
    reasons: list[str] = []
    if scope.database.flagged:
        reasons.append(scope.database.flag.reason(f"database {scope.database.name}"))
    for table in scope.tables:
        reasons += _table_reasons(scope.database.name, table, columns)
    return Sensitivity(sensitive=bool(reasons), reasons=_capped(reasons))


def _table_reasons(database: str, table: Table, requested_columns: tuple[str, ...]) -> list[str]:
    reasons = [table.flag.reason(f"table {database}.{table.name}")] if table.flagged else []
    wanted = {name.lower() for name in requested_columns}
    for column in table.columns:
        if column.flagged and (not wanted or column.name.lower() in wanted):
            kind = "partition key" if column.partition_key else "column"
            reasons.append(column.flag.reason(f"{kind} {database}.{table.name}.{column.name}"))
    return reasons


def _capped(reasons: list[str]) -> tuple[str, ...]:
    if len(reasons) <= MAX_REASONS_LISTED:
        return tuple(reasons)
    shown = reasons[: MAX_REASONS_LISTED - 1]
    return (*shown, f"and {len(reasons) - len(shown)} more flagged items")
