"""Create Glue databases and tables with lakegate's catalog parameters, for tests and demos."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# A column is a name, or a (name, parameters) pair such as ("email", {"pii_flag": "true"}).
ColumnSpec = str | tuple[str, Mapping[str, str]]


def create_database(
    glue: Any,
    name: str,
    *,
    data_owner: str | None,
    owner_name: str | None = None,
    description: str = "",
    **parameters: str,
) -> None:
    values = dict(parameters)
    if data_owner is not None:
        values["data_owner"] = data_owner
    if owner_name is not None:
        values["data_owner_name"] = owner_name
    database: dict[str, Any] = {"Name": name, "Parameters": values}
    if description:
        database["Description"] = description
    glue.create_database(DatabaseInput=database)


def create_table(
    glue: Any,
    database: str,
    name: str,
    *,
    columns: Sequence[ColumnSpec],
    partition_keys: Sequence[ColumnSpec] = (),
    parameters: Mapping[str, str] | None = None,
) -> None:
    table: dict[str, Any] = {
        "Name": name,
        "StorageDescriptor": {"Columns": [_column(spec) for spec in columns]},
        "PartitionKeys": [_column(spec) for spec in partition_keys],
        "Parameters": dict(parameters or {}),
        "TableType": "EXTERNAL_TABLE",
    }
    glue.create_table(DatabaseName=database, TableInput=table)


def _column(spec: ColumnSpec) -> dict[str, Any]:
    name, parameters = (spec, {}) if isinstance(spec, str) else spec
    return {"Name": name, "Type": "string", "Parameters": dict(parameters)}
