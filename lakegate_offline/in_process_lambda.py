"""Run moto's Lambda invocations through the project's own handlers, in this process.

Without Docker, moto's Lambda only echoes its input. ``InProcessLambdas`` replaces its invoke
with one that imports the function's handler from ``lambdas/`` (with that function's own
environment, as Lambda would) and calls it; an exception becomes a Lambda function error whose
``errorType`` is the exception's class name, as in AWS.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from moto.awslambda_simple.models import LambdaSimpleBackend

from lakegate.core.manifest import LAMBDAS_DIR
from lakegate_offline import call_recorder

Handler = Callable[[Any, Any], Any]

# Settings the Lambda service or the Powertools layer would provide in AWS.
LOCAL_RUNTIME_ENVIRONMENT = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_SERVICE_NAME": "lakegate",
}
_environment_lock = threading.Lock()


@dataclass(frozen=True)
class LambdaContext:
    """The parts of the Lambda context object Powertools reads."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def load_handler(handler_path: str, environment: Mapping[str, str]) -> Handler:
    """Import ``module.function`` from lambdas/ afresh, with ``environment`` set while it loads.

    Handlers read their settings and create their clients at import, so each function gets its
    own copy of its module, loaded with its own environment, as in its own Lambda sandbox. With
    ``LAKEGATE_CALL_LOG`` set, the handler's AWS calls are recorded (``lakegate_offline.call_recorder``).
    """
    call_recorder.install_from_environment()
    module_name, _, function_name = handler_path.rpartition(".")
    if str(LAMBDAS_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDAS_DIR))
    with _environment_lock, _patched_environment({**LOCAL_RUNTIME_ENVIRONMENT, **environment}):
        sys.modules.pop(module_name, None)
        module = importlib.import_module(module_name)
        sys.modules.pop(module_name, None)  # the next function loads its own copy
    handler: Handler = getattr(module, function_name)
    return call_recorder.attributed(handler, handler_path, environment)


class InProcessLambdas:
    """Registry of loaded handlers by function name, and the patched moto invoke that calls them."""

    def __init__(self) -> None:
        self._handlers: dict[str, tuple[Handler, str]] = {}
        self.invocations: dict[str, int] = {}
        self._count_lock = threading.Lock()

    def register(self, function_name: str, function_arn: str, handler: Handler) -> None:
        self._handlers[function_name] = (handler, function_arn)
        self.invocations.setdefault(function_name, 0)

    def handler_for(self, name_or_arn: str) -> tuple[str, Handler, str]:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        handler, arn = self._handlers[name]
        return name, handler, arn

    def invoke(self, name_or_arn: str, event: Any) -> tuple[Any, bool]:
        """Call the handler; returns (payload, errored) shaped as Lambda returns them."""
        name, handler, arn = self.handler_for(name_or_arn)
        with self._count_lock:
            self.invocations[name] += 1
        context = LambdaContext(
            function_name=name, invoked_function_arn=arn, aws_request_id=str(uuid.uuid4())
        )
        try:
            return handler(event, context), False
        except Exception as error:
            return {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_exception(error),
            }, True

    @contextmanager
    def installed(self) -> Iterator[InProcessLambdas]:
        """Route moto's Lambda invocations of registered functions to the handlers."""
        registry = self

        def invoke(
            backend: LambdaSimpleBackend,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
        ) -> bytes:
            event = json.loads(body) if body else {}
            payload, errored = registry.invoke(function_name, event)
            if errored:
                response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(payload).encode("utf-8")

        with mock.patch.object(LambdaSimpleBackend, "invoke", invoke):
            yield self


@contextmanager
def _patched_environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
