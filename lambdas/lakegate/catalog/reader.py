"""Reading the part of the Glue Data Catalog a request covers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.errors import CatalogItemNotFound, error_code, raise_if_transient
from lakegate.requests.model import AccessRequest

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

logger = Logger(child=True)

PII_FLAG = "pii_flag"
# On a database or table: the most days of access a request for sensitive data in it may ask for.
MAX_DURATION_DAYS = "max_duration_days"
DATA_OWNER = "data_owner"
DATA_OWNER_NAME = "data_owner_name"
TABLES_PER_PAGE = 100  # the most GetTables returns in one page
DATABASES_PER_PAGE = 100  # the most GetDatabases returns in one page


def is_flagged(parameters: Mapping[str, str] | None) -> bool:
    """Whether catalog parameters mark an item sensitive (``pii_flag`` is ``true`` in any case)."""
    return str((parameters or {}).get(PII_FLAG, "")).strip().lower() == "true"


def max_duration_days(parameters: Mapping[str, str] | None, item: str) -> int | None:
    """The ``max_duration_days`` parameter as a positive whole number; a malformed value is ignored."""
    raw = (parameters or {}).get(MAX_DURATION_DAYS)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = 0
    if value < 1:
        logger.warning(
            f"ignoring {MAX_DURATION_DAYS}={raw!r} on {item}: not a positive whole number of days",
            extra={"item": item, "value": str(raw)},
        )
        return None
    return value


@dataclass(frozen=True)
class Column:
    name: str
    flagged: bool
    partition_key: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    flagged: bool
    columns: tuple[Column, ...]
    max_duration_days: int | None = None

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class Database:
    name: str
    flagged: bool
    parameters: Mapping[str, str]
    max_duration_days: int | None = None


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
    return Database(
        name=raw["Name"],
        flagged=is_flagged(parameters),
        parameters=parameters,
        max_duration_days=max_duration_days(parameters, f"database {raw['Name']}"),
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
    columns = [
        Column(name=column["Name"], flagged=is_flagged(column.get("Parameters")))
        for column in descriptor.get("Columns") or ()
    ]
    columns += [
        Column(name=key["Name"], flagged=is_flagged(key.get("Parameters")), partition_key=True)
        for key in raw.get("PartitionKeys") or ()
    ]
    return Table(
        name=raw["Name"],
        flagged=is_flagged(raw.get("Parameters")),
        columns=tuple(columns),
        max_duration_days=max_duration_days(raw.get("Parameters"), f"table {database}.{raw['Name']}"),
    )


def _translated(error: ClientError, what: str) -> Exception:
    if error_code(error) == "EntityNotFoundException":
        return CatalogItemNotFound(
            f"{what} is not in the Data Catalog; check the name and the catalog account"
        )
    raise_if_transient(error, f"reading {what}")
    return error
