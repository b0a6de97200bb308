"""Check a ledger record as the workflow left it against its one typed definition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_type_hints

from lakegate.ledger import record as ledger_record

_TOP_LEVEL = get_type_hints(ledger_record.LedgerRecord)
_REQUEST = get_type_hints(ledger_record.StoredRequest)
_HISTORY = get_type_hints(ledger_record.HistoryEntry)


def assert_typed_record(record: Mapping[str, Any]) -> None:
    """Every field the workflow wrote is in ``LedgerRecord`` with a value of its declared kind."""
    unknown = sorted(set(record) - set(_TOP_LEVEL))
    assert not unknown, f"fields written but not in LedgerRecord: {unknown}"
    for name, value in record.items():
        assert _is_instance(value, _TOP_LEVEL[name]), f"{name}: {value!r} is not {_TOP_LEVEL[name]}"
    request = record.get("request") or {}
    assert set(request) <= set(_REQUEST), (
        f"request fields not in StoredRequest: {set(request) - set(_REQUEST)}"
    )
    for name, value in request.items():
        assert _is_instance(value, _REQUEST[name]), f"request.{name}: {value!r} is not {_REQUEST[name]}"
    for entry in record.get("history") or ():
        assert set(entry) == set(_HISTORY), f"history entry {entry} is not a HistoryEntry"


def _is_instance(value: Any, hint: Any) -> bool:
    """A shallow check: the value's outer type is one the hint allows (None for optional ones)."""
    origin = getattr(hint, "__origin__", None)
    arguments = getattr(hint, "__args__", ())
    if origin is None and arguments:  # a union such as str | None
        return any(_is_instance(value, argument) for argument in arguments)
    if hint is type(None):
        return value is None
    if origin is not None:
        return isinstance(value, origin)
    if hint is Any:
        return True
    if isinstance(hint, type) and issubclass(hint, dict):  # a nested TypedDict
        return isinstance(value, dict)
    return isinstance(value, hint)
