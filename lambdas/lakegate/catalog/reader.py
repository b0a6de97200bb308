"""Reading the part of the Glue Data Catalog a request covers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.catalog.parameters import Flag, max_duration_days, pii_flag
from lakegate.core.errors import CatalogItemNotFound, error_code, raise_if_transient
from lakegate.requests.model import AccessRequest

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

logger = Logger(child=True)

TABLES_PER_PAGE = 100  # the most GetTables returns in one page
DATABASES_PER_PAGE = 100  # the most GetDatabases returns in one page


def is_flagged(parameters: Mapping[str, str] | None) -> bool:
    """Whether catalog parameters mark an item sensitive (see ``catalog.parameters.pii_flag``)."""
    return pii_flag(parameters).sensitive


@dataclass(frozen=True)
class Column:
    name: str
    flagged: bool
    partition_key: bool = False
    unclear_flag: str | None = None  # a pii_flag value that is neither true nor false

    @property
    def flag(self) -> Flag:
        return Flag(self.flagged, self.unclear_flag)


@dataclass(frozen=True)
class Table:
    name: str
    flagged: bool
    columns: tuple[Column, ...]
    max_duration_days: int | None = None
    unclear_flag: str | None = None
    invalid_max_duration: str | None = None  # a max_duration_days value that is no whole number from 1

    @property
    def flag(self) -> Flag:
        return Flag(self.flagged, self.unclear_flag)

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class Database:
    name: str
    flagged: bool
    parameters: Mapping[str, str]
    max_duration_days: int | None = None
    unclear_flag: str | None = None
    invalid_max_duration: str | None = None

    @property
    def flag(self) -> Flag:
        return Flag(self.flagged, self.unclear_flag)


@dataclass(frozen=True)
class CatalogScope:
    """The database and the tables a request covers (one table, or every table of the database)."""

    database: Database
    tables: tuple[Table, ...]


def read_scope(request: AccessRequest, *, glue: GlueClient) -> CatalogScope:
    """Read the database and the requested table, or every table of the database, with paging."""
    database = _database(request.database, glue)
    if request.table is None:
        tables = tuple(_table(raw, request.database) for raw in all_tables(request.database, glue=glue))
    else:
        tables = (_table(get_table(request.database, request.table, glue=glue), request.database),)
    return CatalogScope(database=database, tables=tables)


def get_database(name: str, *, glue: GlueClient, catalog_id: str | None = None) -> Mapping[str, Any]:
    """The raw Glue database (of this account's catalog unless ``catalog_id``), or CatalogItemNotFound."""
    try:
        if catalog_id is not None:
            return glue.get_database(CatalogId=catalog_id, Name=name)["Database"]
        return glue.get_database(Name=name)["Database"]
    except ClientError as error:
        raise _translated(error, f"database {name!r}") from error


def get_table(
    database: str, table: str, *, glue: GlueClient, catalog_id: str | None = None
) -> Mapping[str, Any]:
    """The raw Glue table (of this account's catalog unless ``catalog_id``), or CatalogItemNotFound."""
    try:
        if catalog_id is not None:
            return glue.get_table(CatalogId=catalog_id, DatabaseName=database, Name=table)["Table"]
        return glue.get_table(DatabaseName=database, Name=table)["Table"]
    except ClientError as error:
        raise _translated(error, f"table {database}.{table}") from error


def read_table_scope(database: str, table: str, *, glue: GlueClient, catalog_id: str | None) -> CatalogScope:
    """One table and its database, as a table request sees them, from the catalog ``catalog_id``."""
    return CatalogScope(
        database=_database(database, glue, catalog_id),
        tables=(_table(get_table(database, table, glue=glue, catalog_id=catalog_id), database),),
    )


def _database(name: str, glue: GlueClient, catalog_id: str | None = None) -> Database:
    raw = get_database(name, glue=glue, catalog_id=catalog_id)
    parameters = dict(raw.get("Parameters") or {})
    flag, limit = pii_flag(parameters), max_duration_days(parameters)
    return Database(
        name=raw["Name"],
        flagged=flag.sensitive,
        parameters=parameters,
        max_duration_days=limit.days,
        unclear_flag=flag.unclear,
        invalid_max_duration=limit.invalid,
    )


def database_page(
    *, glue: GlueClient, next_token: str | None = None, page_size: int = DATABASES_PER_PAGE
) -> tuple[list[Mapping[str, Any]], str | None]:
    """One page of this account's raw Glue databases, and the token of the next page (None at the end)."""
    arguments: dict[str, Any] = {"MaxResults": min(max(page_size, 1), DATABASES_PER_PAGE)}
    if next_token:
        arguments["NextToken"] = next_token
    try:
        response = glue.get_databases(**arguments)
    except ClientError as error:
        raise _translated(error, "the list of databases") from error
    return list(response.get("DatabaseList") or ()), response.get("NextToken") or None


def all_tables(database: str, *, glue: GlueClient) -> Iterable[Mapping[str, Any]]:
    """Every raw Glue table of ``database``, page after page (CatalogItemNotFound if it does not exist)."""
    paginator = glue.get_paginator("get_tables")
    try:
        for page in paginator.paginate(DatabaseName=database, PaginationConfig={"PageSize": TABLES_PER_PAGE}):
            yield from page["TableList"]
    except ClientError as error:
        raise _translated(error, f"tables of database {database!r}") from error


def table_from_glue(raw: Mapping[str, Any], database: str) -> Table:
    """A raw Glue table as lakegate sees it: its flag, its columns then partition keys, each with its flag."""
    return _table(raw, database)


def _table(raw: Mapping[str, Any], database: str) -> Table:
    descriptor = raw.get("StorageDescriptor") or {}
    columns = [_column(column, partition_key=False) for column in descriptor.get("Columns") or ()]
    columns += [_column(key, partition_key=True) for key in raw.get("PartitionKeys") or ()]
    flag, limit = pii_flag(raw.get("Parameters")), max_duration_days(raw.get("Parameters"))
    return Table(
        name=raw["Name"],
        flagged=flag.sensitive,
        columns=tuple(columns),
        max_duration_days=limit.days,
        unclear_flag=flag.unclear,
        invalid_max_duration=limit.invalid,
    )


def _column(raw: Mapping[str, Any], *, partition_key: bool) -> Column:
    flag = pii_flag(raw.get("Parameters"))
    return Column(
        name=raw["Name"], flagged=flag.sensitive, partition_key=partition_key, unclear_flag=flag.unclear
    )


def _translated(error: ClientError, what: str) -> Exception:
    if error_code(error) == "EntityNotFoundException":
        return CatalogItemNotFound(
            f"{what} is not in the Data Catalog; check the name and the catalog account"
        )
    raise_if_transient(error, f"reading {what}")
    return error
