"""``--since 30d``: how far back an audit looks, as a duration of days, hours or minutes."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def duration(value: str) -> timedelta:
    """``30d``, ``24h`` or ``90m`` as a timedelta (an argparse type: bad input is a usage error)."""
    match = _DURATION.match(value.lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a duration: a whole number and d, h or m, such as 30d, 24h or 90m"
        )
    amount, unit = match.groups()
    if int(amount) == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is an empty window; give at least 1{unit}")
    return timedelta(**{_UNITS[unit]: int(amount)})
