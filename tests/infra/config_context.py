"""Deployment settings built the way the app builds them, with the one key every deployment must give."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stacks.config import LakegateConfig

PRODUCER = "222222222222"
# producer_account_ids is required (and has no usable default); every other key may be left out.
REQUIRED_CONTEXT: Mapping[str, Any] = {"producer_account_ids": PRODUCER}
# What a context holding only the required key gives: every other setting at its default.
DEFAULTS = LakegateConfig(producer_account_ids=(PRODUCER,))


def config_from(context: Mapping[str, Any]) -> LakegateConfig:
    """``LakegateConfig.from_context`` of the required key with ``context`` over it."""
    return LakegateConfig.from_context({**REQUIRED_CONTEXT, **context})
