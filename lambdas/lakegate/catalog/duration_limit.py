"""Producers' maximum duration for sensitive items (the ``max_duration_days`` catalog parameter)."""

from __future__ import annotations

from dataclasses import dataclass

from lakegate.catalog.parameters import MAX_DURATION_DAYS
from lakegate.catalog.reader import CatalogScope
from lakegate.core.errors import CatalogParameterInvalid, InvalidRequest
from lakegate.requests.model import AccessRequest


@dataclass(frozen=True)
class DurationLimit:
    days: int
    item: str  # the database or table that sets it, as a person reads it


def duration_limit(scope: CatalogScope) -> DurationLimit | None:
    """The smallest ``max_duration_days`` the database or any table in scope sets, if any."""
    limits = []
    if scope.database.max_duration_days is not None:
        limits.append(DurationLimit(scope.database.max_duration_days, f"database {scope.database.name}"))
    limits += [
        DurationLimit(table.max_duration_days, f"{scope.database.name}.{table.name}")
        for table in scope.tables
        if table.max_duration_days is not None
    ]
    return min(limits, key=lambda limit: limit.days) if limits else None


def require_readable_limits(scope: CatalogScope) -> None:
    """CatalogParameterInvalid when the database or a table in scope sets a limit lakegate cannot read.

    Whatever the request's sensitivity: a limit nobody can read is a producer's mistake to fix, and
    reading it as "no limit" would be the loose reading.
    """
    items = [(f"database {scope.database.name}", scope.database.invalid_max_duration)]
    items += [
        (f"table {scope.database.name}.{table.name}", table.invalid_max_duration) for table in scope.tables
    ]
    for item, value in items:
        if value is not None:
            raise CatalogParameterInvalid(
                f'{item} has {MAX_DURATION_DAYS}="{value}", which is not a whole number of days from 1; '
                f"its producer must correct it (or remove it) before it can be requested"
            )


def require_duration_within_limit(request: AccessRequest, scope: CatalogScope, *, sensitive: bool) -> None:
    """A sensitive request must ask for at most the smallest ``max_duration_days`` in scope.

    Non-sensitive requests are not limited; nor are sensitive ones where nothing in scope sets it.
    Any request fails when a limit in scope cannot be read (``require_readable_limits``).
    """
    require_readable_limits(scope)
    if not sensitive:
        return
    limit = duration_limit(scope)
    if limit is None:
        return
    rule = (
        f"{limit.item} allows at most {limit.days} day{'s' if limit.days != 1 else ''} for sensitive data "
        f"({MAX_DURATION_DAYS}); ask for {limit.days} or fewer"
    )
    if request.duration_days is None:
        raise InvalidRequest(f"duration_days: is required: {rule}")
    if request.duration_days > limit.days:
        raise InvalidRequest(f"duration_days: {request.duration_days} is too long: {rule}")
