"""What a Lake Formation share holds, and the resource links that make it visible in the consumer's catalog.

Lake Formation shares Glue databases and tables through AWS RAM, named by ARN:
``arn:aws:glue:REGION:OWNER:database/DB`` and ``arn:aws:glue:REGION:OWNER:table/DB/TABLE``; a grant
on all tables of a database (the table wildcard) is read as ``table/DB/*``. Athena shows a shared
item only through a resource link in the consumer's own catalog, so each shared database gets a
database link and each shared table a table link, named after what they point to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

GLUE_DATABASE = "glue:Database"
GLUE_TABLE = "glue:Table"
SHARED_TYPES = frozenset({GLUE_DATABASE, GLUE_TABLE})
ALL_TABLES = "*"
NAME_LIMIT = 255  # the longest database or table name Glue accepts

_GLUE_ARN = re.compile(r"arn:[\w-]+:glue:[\w-]+:(?P<owner>\d{12}):(?P<kind>database|table)/(?P<path>.+)")


@dataclass(frozen=True, order=True)
class SharedItem:
    """A database (``table`` is None) or a table of another account's Data Catalog."""

    catalog_id: str
    database: str
    table: str | None = None

    def describe(self) -> str:
        where = f"{self.database}.{self.table}" if self.table else self.database
        kind = "table" if self.table else "database"
        return f"{kind} {where} of catalog {self.catalog_id}"


def shared_item(arn: str) -> SharedItem | None:
    """The database or table a Glue ARN names; None for anything else (a catalog, a malformed ARN).

    All tables of a database (``table/DB/*``) is the database itself: its database link shows
    every table the consumer may see, so no table link is made for the wildcard.
    """
    match = _GLUE_ARN.fullmatch(arn)
    if match is None:
        return None
    owner, kind, path = match.group("owner", "kind", "path")
    if kind == "database":
        return SharedItem(owner, path) if "/" not in path else None
    database, slash, table = path.partition("/")
    if not slash or not database or not table or "/" in table:
        return None
    return SharedItem(owner, database, None if table == ALL_TABLES else table)


def database_link_name(prefix: str, database: str) -> str:
    """``shared_`` + ``sales`` -> ``shared_sales``; lower case, as Glue stores names."""
    return f"{prefix}{database}".lower()


def table_link_name(prefix: str, database: str, table: str) -> str:
    """``shared_`` + ``sales`` + ``orders`` -> ``shared_sales_orders``."""
    return f"{prefix}{database}_{table}".lower()


@dataclass(frozen=True, order=True)
class LinkPlan:
    """One resource link to create: a database link, or a table link in the link database."""

    name: str
    target: SharedItem

    @property
    def is_table(self) -> bool:
        return self.target.table is not None

    def describe(self) -> str:
        return f"{'table' if self.is_table else 'database'} link {self.name} to {self.target.describe()}"


def plan_links(items: Iterable[SharedItem], *, prefix: str) -> list[LinkPlan]:
    """One link per distinct shared database and table, database links first, each sorted by name."""
    plans = {
        LinkPlan(
            table_link_name(prefix, item.database, item.table)
            if item.table
            else database_link_name(prefix, item.database),
            item,
        )
        for item in items
    }
    return sorted(plans, key=lambda plan: (plan.is_table, plan.name, plan.target))
