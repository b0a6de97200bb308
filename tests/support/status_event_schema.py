"""The status-event schema kept in ``schemas/``, and checks of events against it for every test layer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from lakegate.ledger.status_events import DETAIL_TYPES, SOURCE

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "access-request-status-changed.schema.json"


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def validator() -> Draft202012Validator:
    # With the format checker, "format": "date-time" is enforced (rfc3339-validator does the work).
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(detail: Mapping[str, Any]) -> list[str]:
    """Every way ``detail`` breaks the schema, as readable lines (empty when it conforms)."""
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(detail)'}: {error.message}"
        for error in validator().iter_errors(detail)
    ]


def assert_conforms(event: Mapping[str, Any]) -> None:
    """An event as EventBridge delivers it: lakegate's source, its status's detail-type, a valid detail."""
    assert event["source"] == SOURCE
    assert schema_errors(event["detail"]) == []
    assert event["detail-type"] == DETAIL_TYPES[event["detail"]["status"]]
