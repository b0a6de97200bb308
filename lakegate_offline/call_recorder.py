"""Record every AWS API call a handler makes, for the IAM coverage check (tests/iam).

Off unless the environment variable ``LAKEGATE_CALL_LOG`` names a file. Then ``install`` patches
botocore so that every client created afterwards reports its calls, and ``attributed`` wraps a
loaded handler so that the calls made while it runs are written to that file as JSON lines:

- ``{"kind": "function", "id", "handler", "environment"}`` once per loaded handler (its own settings);
- ``{"kind": "call", "function", "service", "signing_name", "operation", "params", "region",
  "partition", "account", "principal"}`` per distinct call, where ``params`` keeps only the
  parameters that name resources and ``principal`` is null for the function's own role, or the ARN
  of the role whose ``AssumeRole`` credentials signed the call.

Calls outside any handler (test setup, moto itself) are not written, except in an ``acting_as`` block (a
test driving a function's logic directly). Several processes (the tests and a sandbox they start, which
inherits the variable) append to one file under a lock.
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, TextIO

import botocore.session
from moto.core.models import DEFAULT_ACCOUNT_ID

LOG_VARIABLE = "LAKEGATE_CALL_LOG"
# Parameters that name what a call touches (TableName, TopicArn, stateMachineArn, RoleArn, CatalogId,
# domainIdentifier, Bucket, ...), kept at the top level and one level down (Entries[].EventBusName,
# TableInput.Name); message bodies, items and tokens are left out.
_NAMING = re.compile(r"(name|arn|arns|id|ids|identifier|bucket)$", re.IGNORECASE)
_MAX_VALUE = 512

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class LoadedFunction:
    """One handler loaded with its own environment (as one Lambda function)."""

    id: str
    handler: str


class _Log:
    """Distinct JSON lines appended to one file, safe across threads and processes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._file: TextIO | None = None

    def write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True, default=str)
        with self._lock:
            if line in self._seen:
                return
            self._seen.add(line)
            if self._file is None:
                self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept for the process
            fcntl.flock(self._file, fcntl.LOCK_EX)
            try:
                self._file.write(line + "\n")
                self._file.flush()
            finally:
                fcntl.flock(self._file, fcntl.LOCK_UN)


class _Recorder:
    def __init__(self, log: _Log) -> None:
        self.log = log
        self.assumed: dict[str, str] = {}  # access key id -> ARN of the role it was issued for
        self._ids = itertools.count(1)
        self._current = threading.local()

    # ----- functions -----------------------------------------------------------------------------

    def loaded(self, handler_path: str, environment: Mapping[str, str]) -> LoadedFunction:
        function = LoadedFunction(id=f"{os.getpid()}-{next(self._ids)}", handler=handler_path)
        self.log.write(
            {"kind": "function", "id": function.id, "handler": handler_path, "environment": dict(environment)}
        )
        return function

    def running(self) -> LoadedFunction | None:
        stack: list[LoadedFunction] | None = getattr(self._current, "stack", None)
        return stack[-1] if stack else None

    def push(self, function: LoadedFunction) -> None:
        stack = self._current.__dict__.setdefault("stack", [])
        stack.append(function)

    def pop(self) -> None:
        self._current.stack.pop()

    # ----- clients -------------------------------------------------------------------------------

    def hook(self, client: Any, access_key: str | None) -> None:
        principal = self.assumed.get(access_key or "")
        account = (
            principal.split(":")[4] if principal else os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)
        )
        meta = client.meta

        def on_call(params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            if model.name == "AssumeRole":
                context["lakegate_role_arn"] = params.get("RoleArn")
            function = self.running()
            if function is None:
                return
            self.log.write(
                {
                    "kind": "call",
                    "function": function.id,
                    "service": model.service_model.service_name,
                    "signing_name": model.service_model.signing_name,
                    "operation": model.name,
                    "params": naming_params(params),
                    "region": meta.region_name,
                    "partition": meta.partition,
                    "account": account,
                    "principal": principal,
                }
            )

        meta.events.register("before-parameter-build", on_call)
        if meta.service_model.service_name == "sts":
            meta.events.register("after-call.sts.AssumeRole", self._assumed_role)

    def _assumed_role(self, parsed: Mapping[str, Any], context: Mapping[str, Any], **_: Any) -> None:
        key = (parsed.get("Credentials") or {}).get("AccessKeyId")
        role_arn = context.get("lakegate_role_arn")
        if key and role_arn:
            self.assumed[str(key)] = str(role_arn)


def naming_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a call that name resources, top level and one level down."""
    kept: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Mapping):
            inner = {key: item for key, item in value.items() if _naming_scalar(key, item)}
            if inner:
                kept[name] = inner
        elif isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            inner_list = [{key: v for key, v in item.items() if _naming_scalar(key, v)} for item in value]
            if any(inner_list):
                kept[name] = inner_list
        elif _naming_scalar(name, value) or (
            _NAMING.search(name) and isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            kept[name] = value
    return kept


def _naming_scalar(name: str, value: Any) -> bool:
    return bool(_NAMING.search(name)) and isinstance(value, str) and len(value) <= _MAX_VALUE


_recorder: _Recorder | None = None
_install_lock = threading.Lock()
# The code of the wrapper ``attributed`` returns: where a running handler's frames begin.
_HANDLER_FRAMES: set[Any] = set()


def install_from_environment() -> bool:
    """Start recording if ``LAKEGATE_CALL_LOG`` is set (once per process); whether it is recording."""
    global _recorder
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return _recorder is not None
    with _install_lock:
        if _recorder is None:
            _recorder = _Recorder(_Log(path))
            _patch_create_client(_recorder)
    return True


@contextmanager
def acting_as(handler_path: str, environment: Mapping[str, str]) -> Iterator[None]:
    """Count the calls of the block as those of the function ``handler_path`` with ``environment``.

    For tests that drive a function's logic directly, with the clients the function would use (its
    handler builds them from ``environment``); does nothing when not recording.
    """
    recorder = _recorder
    if recorder is None:
        yield
        return
    recorder.push(recorder.loaded(handler_path, environment))
    try:
        yield
    finally:
        recorder.pop()


@contextmanager
def writing_to(path: str) -> Iterator[None]:
    """Record into ``path`` instead for the block (for the recorder's own tests), once recording."""
    if _recorder is None:
        raise RuntimeError(f"not recording: set {LOG_VARIABLE} and call install_from_environment first")
    saved, _recorder.log = _recorder.log, _Log(path)
    try:
        yield
    finally:
        _recorder.log = saved


def attributed(handler: Handler, handler_path: str, environment: Mapping[str, str]) -> Handler:
    """``handler`` itself when not recording; else a wrapper attributing its calls to ``handler_path``."""
    recorder = _recorder
    if recorder is None:
        return handler
    function = recorder.loaded(handler_path, environment)

    def run(event: Any, context: Any) -> Any:
        recorder.push(function)
        try:
            return handler(event, context)
        finally:
            recorder.pop()

    _HANDLER_FRAMES.add(run.__code__)
    return functools.wraps(handler)(run)


def _patch_create_client(recorder: _Recorder) -> None:
    original = botocore.session.Session.create_client

    @functools.wraps(original)
    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        if not _created_by_moto(sys._getframe(1)):
            access_key = kwargs.get("aws_access_key_id")
            if access_key is None:
                credentials = self.get_credentials()
                access_key = credentials.access_key if credentials is not None else None
            recorder.hook(client, access_key)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]


def _created_by_moto(frame: FrameType | None) -> bool:
    """Whether moto itself creates the client (its executors call other services), not a handler.

    Only frames below the nearest running handler count: a handler is itself called by moto's
    Lambda backend.
    """
    while frame is not None:
        if frame.f_code in _HANDLER_FRAMES:
            return False
        if str(frame.f_globals.get("__name__", "")).startswith("moto."):
            return True
        frame = frame.f_back
    return False
