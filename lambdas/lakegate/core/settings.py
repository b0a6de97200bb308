"""Settings read from the environment once, at load, failing loudly when a required one is missing."""

from __future__ import annotations

import os


class MissingSetting(RuntimeError):
    """A required environment variable is not set; the function is misconfigured."""


def required(name: str) -> str:
    """The value of a required environment variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise MissingSetting(f"environment variable {name} must be set")
    return value


def optional(name: str, default: str = "") -> str:
    """The value of an optional environment variable; ``default`` when it is unset or empty.

    For settings where empty is a meaningful value (for example no user-role prefix), which
    ``required`` would reject.
    """
    value = os.environ.get(name, "").strip()
    return value or default


def required_int(name: str) -> int:
    """A required environment variable holding a positive integer."""
    raw = required(name)
    try:
        value = int(raw)
    except ValueError:
        raise MissingSetting(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise MissingSetting(f"environment variable {name} must be positive, got {value}")
    return value
