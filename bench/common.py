"""Shared by every section of the benchmark: progress lines, ✓/✗ marks, API-call counting and text tables."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import botocore.handlers
import moto.stepfunctions
from botocore.model import OperationModel

from lakegate.core import manifest
from lakegate_cli.render import aligned

REGION = "us-east-1"

HANDLERS_PREFIX = str(manifest.LAMBDAS_DIR / "lakegate" / "handlers") + os.sep
MOTO_STEPFUNCTIONS_PREFIX = str(Path(moto.stepfunctions.__file__).resolve().parent) + os.sep
EXECUTOR = "executor"
HARNESS = "harness"

STARTED = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def mark(met: bool) -> str:
    return "✓" if met else "✗"


# ----- counting API calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiCall:
    caller: str  # a handler's FunctionSpec.key, EXECUTOR or HARNESS
    service: str
    operation: str

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"


def _caller() -> str:
    """Who makes the API call being made on this thread: a handler, moto's executor, or the harness."""
    frame: FrameType | None = sys._getframe(2)
    from_executor = False
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(HANDLERS_PREFIX):
            return Path(filename).stem
        if filename.startswith(MOTO_STEPFUNCTIONS_PREFIX):
            from_executor = True
        frame = frame.f_back
    return EXECUTOR if from_executor else HARNESS


class ApiCallLog:
    """Every API call made by any botocore client while installed, labelled by its caller."""

    def __init__(self) -> None:
        self._calls: list[ApiCall] = []
        self._lock = threading.Lock()

    def record(self, model: OperationModel, **_: Any) -> None:
        call = ApiCall(_caller(), model.service_model.service_name, model.name)
        with self._lock:
            self._calls.append(call)

    def position(self) -> int:
        with self._lock:
            return len(self._calls)

    def since(self, position: int) -> list[ApiCall]:
        with self._lock:
            return list(self._calls[position:])

    @contextmanager
    def installed(self) -> Iterator[ApiCallLog]:
        """Register the hook for every botocore session created from now on."""
        entry = ("before-call", self.record)
        botocore.handlers.BUILTIN_HANDLERS.append(entry)
        try:
            yield self
        finally:
            botocore.handlers.BUILTIN_HANDLERS.remove(entry)


# ----- output ------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A plain text table under a rule; columns whose index is in ``right`` are right-aligned."""
    return aligned([list(headers), *([str(value) for value in row] for row in rows)], right=right, rule=True)
