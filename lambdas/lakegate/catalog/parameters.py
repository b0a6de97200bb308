"""The catalog parameters lakegate reads, found under any spelling of their name, read failing closed.

Producers type these by hand in the Glue console, so a name is matched whatever its case and
surrounding spaces (``PII_FLAG``, `` pii_flag``), and a value lakegate cannot read is never taken
as the loose reading: an unclear ``pii_flag`` makes the item sensitive, a malformed
``max_duration_days`` fails the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PII_FLAG = "pii_flag"
# On a database or table: the most days of access a request for sensitive data in it may ask for.
MAX_DURATION_DAYS = "max_duration_days"
DATA_OWNER = "data_owner"
DATA_OWNER_NAME = "data_owner_name"
FLAG_VALUES = ("true", "false")  # in any case, with any surrounding spaces


def values_of(parameters: Mapping[str, Any] | None, name: str) -> list[str]:
    """Every value set under ``name`` in any case or with spaces around it, in the catalog's order."""
    return [str(value) for key, value in (parameters or {}).items() if str(key).strip().lower() == name]


def _distinct(parameters: Mapping[str, Any] | None, name: str) -> list[str]:
    """The different values (stripped) set under ``name``, in the catalog's order."""
    return list(dict.fromkeys(value.strip() for value in values_of(parameters, name)))


@dataclass(frozen=True)
class Flag:
    """What ``pii_flag`` says: ``unclear`` holds a value that is neither true nor false."""

    sensitive: bool
    unclear: str | None = None

    def reason(self, item: str) -> str:
        """Why ``item`` (for example "column sales.orders.email") counts as sensitive."""
        if self.unclear is not None:
            return f'{item}: {PII_FLAG}="{self.unclear}" is not true/false: treated as sensitive'
        return f"{item} is flagged {PII_FLAG}"


def pii_flag(parameters: Mapping[str, Any] | None) -> Flag:
    """Sensitive when any spelling of ``pii_flag`` is true, or holds anything but true or false."""
    values = values_of(parameters, PII_FLAG)
    unclear = [value for value in values if value.strip().lower() not in FLAG_VALUES]
    if unclear:
        return Flag(sensitive=True, unclear=unclear[0])
    return Flag(sensitive=any(value.strip().lower() == "true" for value in values))


@dataclass(frozen=True)
class DurationSetting:
    """``max_duration_days`` on an item: ``days`` when it is a whole number from 1, else ``invalid``."""

    days: int | None = None
    invalid: str | None = None


NO_DURATION_LIMIT = DurationSetting()


def max_duration_days(parameters: Mapping[str, Any] | None) -> DurationSetting:
    """The limit as written; anything but one whole number of days from 1 is kept as ``invalid``."""
    values = _distinct(parameters, MAX_DURATION_DAYS)
    if not values:
        return NO_DURATION_LIMIT
    if len(values) == 1 and values[0].isascii() and values[0].isdigit() and int(values[0]) >= 1:
        return DurationSetting(days=int(values[0]))
    return DurationSetting(invalid=" / ".join(values))


def data_owner(parameters: Mapping[str, Any] | None) -> str | None:
    """The ``data_owner`` as written (stripped); None when unset; differing spellings joined by " / "
    (which is no account id, so the request fails naming them)."""
    values = _distinct(parameters, DATA_OWNER)
    return " / ".join(values) if values else None


def data_owner_name(parameters: Mapping[str, Any] | None) -> str | None:
    values = _distinct(parameters, DATA_OWNER_NAME)
    return values[0] if values else None
