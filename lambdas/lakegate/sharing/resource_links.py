"""Creating resource links in this account's Glue Data Catalog, idempotently and without overwriting.

A link is created, or found already there with the same target (an earlier or a concurrent run
made it), or reported as a clash: the name is taken by an ordinary database or table, or by a
link to something else. Nothing existing is ever changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lakegate.core.errors import error_code
from lakegate.sharing.shared_resources import NAME_LIMIT, LinkPlan, SharedItem

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

ALREADY_EXISTS = "AlreadyExistsException"
LINK_DATABASE_DESCRIPTION = "Resource links to data shared with this account through lakegate"


class LinkResult(StrEnum):
    CREATED = "created"
    PRESENT = "present"  # a link with this name and this target was already there
    CLASH = "clash"  # the name is taken by something else; left as it is


@dataclass(frozen=True)
class LinkOutcome:
    plan: LinkPlan
    result: LinkResult
    problem: str = ""


class ResourceLinks:
    """Makes database links at the top of the catalog and table links inside ``link_database``.

    Make one per run: whether the link database is there is looked up once and then remembered.
    """

    def __init__(self, link_database: str, *, glue: GlueClient) -> None:
        self.link_database = link_database
        self._glue = glue
        self._link_database_problem: str | None = None
        self._link_database_ready = False

    def ensure(self, plan: LinkPlan) -> LinkOutcome:
        """Create the link ``plan`` describes unless it is there; AWS errors other than a clash raise."""
        if len(plan.name) > NAME_LIMIT:
            return LinkOutcome(plan, LinkResult.CLASH, f"the name is longer than {NAME_LIMIT} characters")
        if plan.is_table:
            return self._ensure_table_link(plan)
        return self._ensure_database_link(plan)

    def _ensure_database_link(self, plan: LinkPlan) -> LinkOutcome:
        target = plan.target
        try:
            self._glue.create_database(
                DatabaseInput={
                    "Name": plan.name,
                    "TargetDatabase": {"CatalogId": target.catalog_id, "DatabaseName": target.database},
                }
            )
            return LinkOutcome(plan, LinkResult.CREATED)
        except ClientError as error:
            if error_code(error) != ALREADY_EXISTS:
                raise
        existing = self._glue.get_database(Name=plan.name)["Database"]
        return _compare(plan, existing.get("TargetDatabase"), f"database {plan.name}")

    def _ensure_table_link(self, plan: LinkPlan) -> LinkOutcome:
        problem = self._ensure_link_database()
        if problem:
            return LinkOutcome(plan, LinkResult.CLASH, problem)
        target = plan.target
        assert target.table is not None
        try:
            self._glue.create_table(
                DatabaseName=self.link_database,
                TableInput={
                    "Name": plan.name,
                    "TargetTable": {
                        "CatalogId": target.catalog_id,
                        "DatabaseName": target.database,
                        "Name": target.table,
                    },
                },
            )
            return LinkOutcome(plan, LinkResult.CREATED)
        except ClientError as error:
            if error_code(error) != ALREADY_EXISTS:
                raise
        existing = self._glue.get_table(DatabaseName=self.link_database, Name=plan.name)["Table"]
        return _compare(plan, existing.get("TargetTable"), f"table {self.link_database}.{plan.name}")

    def _ensure_link_database(self) -> str | None:
        """Create the database holding table links once per run; a problem with it blocks every table link."""
        if not self._link_database_ready:
            try:
                self._glue.create_database(
                    DatabaseInput={"Name": self.link_database, "Description": LINK_DATABASE_DESCRIPTION}
                )
            except ClientError as error:
                if error_code(error) != ALREADY_EXISTS:
                    raise
                existing = self._glue.get_database(Name=self.link_database)["Database"]
                if existing.get("TargetDatabase"):
                    self._link_database_problem = (
                        f"database {self.link_database}, meant to hold the table links, is itself a "
                        "resource link and cannot hold tables; choose another resource_link_database"
                    )
            self._link_database_ready = True
        return self._link_database_problem


def _compare(plan: LinkPlan, existing_target: Mapping[str, Any] | None, what: str) -> LinkOutcome:
    """PRESENT if the object already there links to the planned target, else a CLASH saying what it is."""
    if not existing_target:
        return LinkOutcome(plan, LinkResult.CLASH, f"{what} exists and is not a resource link")
    if _same_target(existing_target, plan.target):
        return LinkOutcome(plan, LinkResult.PRESENT)
    existing = SharedItem(
        str(existing_target.get("CatalogId", "?")),
        str(existing_target.get("DatabaseName", "?")),
        existing_target.get("Name"),
    )
    return LinkOutcome(plan, LinkResult.CLASH, f"{what} is a resource link to {existing.describe()}")


def _same_target(existing: Mapping[str, Any], planned: SharedItem) -> bool:
    # Glue keeps names in lower case; a share's ARN may not.
    return (
        existing.get("CatalogId") == planned.catalog_id
        and str(existing.get("DatabaseName", "")).lower() == planned.database.lower()
        and str(existing.get("Name") or "").lower() == (planned.table or "").lower()
    )
