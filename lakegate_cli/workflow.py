"""Ledger records as the CLI shows them (executions named after requests: ``requests.submission``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Ledger fields never shown: the hash of the link's secret and the token that resumes the workflow.
PRIVATE_FIELDS = frozenset({"secret_hash", "secret_hashes", "task_token"})


def public_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A ledger record without the fields that could decide or resume a request."""
    return {key: value for key, value in record.items() if key not in PRIVATE_FIELDS}
