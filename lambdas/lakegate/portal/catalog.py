"""What the portal's catalog pages show: discoverable databases, their tables, a table's columns.

A database is discoverable when it has a ``data_owner`` parameter (someone can decide requests for
it); any other database is answered as not found. An item is sensitive as the workflow decides it
(``lakegate.catalog.sensitivity``): a database when it or anything in it is flagged ``pii_flag``, a table
when it or any of its columns or partition keys is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lakegate.catalog.parameters import data_owner, data_owner_name
from lakegate.catalog.reader import (
    CatalogScope,
    Database,
    all_tables,
    database_page,
    get_database,
    get_table,
    is_flagged,
    table_from_glue,
)
from lakegate.catalog.sensitivity import Sensitivity, assess_scope
from lakegate.core.errors import CatalogItemNotFound

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

# Each database listed is read in full (its tables) to say whether anything in it is sensitive.
DATABASES_PER_PAGE = 20


@dataclass(frozen=True)
class ColumnView:
    name: str
    type: str
    comment: str
    flagged: bool
    partition_key: bool = False


@dataclass(frozen=True)
class TableView:
    name: str
    description: str
    flagged: bool
    columns: tuple[ColumnView, ...]  # the columns, then the partition keys

    @property
    def regular_columns(self) -> tuple[ColumnView, ...]:
        return tuple(column for column in self.columns if not column.partition_key)

    @property
    def partition_keys(self) -> tuple[ColumnView, ...]:
        return tuple(column for column in self.columns if column.partition_key)

    @property
    def sensitive_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.flagged)

    @property
    def sensitive(self) -> bool:
        return self.flagged or bool(self.sensitive_columns)


@dataclass(frozen=True)
class DatabaseView:
    name: str
    description: str
    owner: str
    owner_name: str
    flagged: bool


@dataclass(frozen=True)
class DatabaseSummary:
    """A row of the catalog page: the database and whether requesting all of it is sensitive."""

    database: DatabaseView
    sensitivity: Sensitivity


@dataclass(frozen=True)
class CatalogPage:
    databases: tuple[DatabaseSummary, ...]
    next_token: str | None


def is_discoverable(raw: Mapping[str, Any]) -> bool:
    """Whether a raw Glue database names a data owner, and so may be requested."""
    return bool(data_owner(raw.get("Parameters")))


def discoverable_databases(
    *, glue: GlueClient, next_token: str | None = None, page_size: int = DATABASES_PER_PAGE
) -> CatalogPage:
    """One page of discoverable databases, each with the sensitivity of the whole database."""
    raws, following = database_page(glue=glue, next_token=next_token, page_size=page_size)
    summaries = []
    for raw in raws:
        if not is_discoverable(raw):
            continue
        database = _database_view(raw)
        tables = tuple(
            table_from_glue(table, database.name) for table in all_tables(database.name, glue=glue)
        )
        scope = CatalogScope(
            database=Database(name=database.name, flagged=database.flagged, parameters={}), tables=tables
        )
        summaries.append(DatabaseSummary(database=database, sensitivity=assess_scope(scope)))
    return CatalogPage(databases=tuple(summaries), next_token=following)


def database_with_tables(name: str, *, glue: GlueClient) -> tuple[DatabaseView, tuple[TableView, ...]]:
    """A discoverable database and all its tables, by name."""
    database = discoverable_database(name, glue=glue)
    tables = tuple(_table_view(raw) for raw in all_tables(database.name, glue=glue))
    return database, tuple(sorted(tables, key=lambda table: table.name))


def table_of(database: str, table: str, *, glue: GlueClient) -> tuple[DatabaseView, TableView]:
    """A table of a discoverable database, with its columns and partition keys."""
    view = discoverable_database(database, glue=glue)
    return view, _table_view(get_table(view.name, table.strip().lower(), glue=glue))


def discoverable_database(name: str, *, glue: GlueClient) -> DatabaseView:
    """The database ``name``; CatalogItemNotFound when it does not exist or names no data owner."""
    raw = get_database(name.strip().lower(), glue=glue)
    if not is_discoverable(raw):
        raise CatalogItemNotFound(f"database {name!r} is not in the Data Catalog")
    return _database_view(raw)


def _database_view(raw: Mapping[str, Any]) -> DatabaseView:
    parameters = raw.get("Parameters") or {}
    owner = data_owner(parameters) or ""
    return DatabaseView(
        name=str(raw["Name"]),
        description=str(raw.get("Description") or ""),
        owner=owner,
        owner_name=data_owner_name(parameters) or owner,
        flagged=is_flagged(parameters),
    )


def _table_view(raw: Mapping[str, Any]) -> TableView:
    descriptor = raw.get("StorageDescriptor") or {}
    columns = [_column_view(column, partition_key=False) for column in descriptor.get("Columns") or ()]
    columns += [_column_view(key, partition_key=True) for key in raw.get("PartitionKeys") or ()]
    return TableView(
        name=str(raw["Name"]),
        description=str(raw.get("Description") or ""),
        flagged=is_flagged(raw.get("Parameters")),
        columns=tuple(columns),
    )


def _column_view(raw: Mapping[str, Any], *, partition_key: bool) -> ColumnView:
    return ColumnView(
        name=str(raw["Name"]),
        type=str(raw.get("Type") or ""),
        comment=str(raw.get("Comment") or ""),
        flagged=is_flagged(raw.get("Parameters")),
        partition_key=partition_key,
    )
