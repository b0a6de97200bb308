"""Child process of the cold-start benchmark: time one handler import, or the boto3 baseline.

Run as a script (never imported), in a fresh interpreter, by ``bench.cold_start``::

    python bench/coldstart_child.py time|breakdown LAMBDAS_DIR MODULE

``MODULE`` is a handler module such as ``handlers.evaluate_request``, or ``-`` for the baseline
``import boto3; boto3.client("dynamodb", region_name="us-east-1")``. Only ``sys`` and ``time``
are imported before the clock starts, so the timed window holds the same work as a Lambda
cold start's init phase for that module. One JSON object is written to stdout.

``time`` reports ``{"import_s": seconds}``. ``breakdown`` is a diagnostic run: it imports
boto3 and Powertools first, then wraps botocore's ``Session.create_client`` and Powertools'
``Tracer.__init__`` / ``Logger.__init__`` to time them while the module loads, and reports
seconds per part. The wrapping adds a little overhead; use ``time`` for the measurement.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

BASELINE = "-"


def time_import(module: str) -> dict[str, float]:
    start = time.perf_counter()
    if module == BASELINE:
        import boto3

        boto3.client("dynamodb", region_name="us-east-1")
    else:
        __import__(module)
    return {"import_s": time.perf_counter() - start}


def breakdown(module: str) -> dict[str, float]:
    parts: dict[str, float] = {}
    inside: list[float] = [0.0]  # seconds spent in wrapped calls while the module body ran
    start = time.perf_counter()
    import boto3

    parts["import boto3 + botocore"] = time.perf_counter() - start
    if module == BASELINE:
        mark = time.perf_counter()
        boto3.client("dynamodb", region_name="us-east-1")
        parts["client dynamodb"] = time.perf_counter() - mark
        parts["total"] = time.perf_counter() - start
        return parts
    mark = time.perf_counter()
    from aws_lambda_powertools import Logger, Tracer

    parts["import aws_lambda_powertools (Logger, Tracer)"] = time.perf_counter() - mark
    import botocore.session

    def timed(owner: Any, attribute: str, label_of: Callable[[tuple[Any, ...], dict[str, Any]], str]) -> None:
        original = getattr(owner, attribute)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.perf_counter() - began
                label = label_of(args, kwargs)
                parts[label] = parts.get(label, 0.0) + spent
                inside[0] += spent

        setattr(owner, attribute, wrapper)

    def client_label(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        service = kwargs.get("service_name", args[1] if len(args) > 1 else "?")
        return f"client {service}"

    timed(botocore.session.Session, "create_client", client_label)
    timed(Tracer, "__init__", lambda args, kwargs: "Tracer() (X-Ray SDK load + patch_all)")
    timed(Logger, "__init__", lambda args, kwargs: "Logger()")
    mark = time.perf_counter()
    __import__(module)
    body = time.perf_counter() - mark
    parts["rest of module load (lakegate imports, settings)"] = body - inside[0]
    parts["total"] = time.perf_counter() - start
    return parts


def main(argv: list[str]) -> None:
    mode, lambdas_dir, module = argv
    sys.path.insert(0, lambdas_dir)
    result = time_import(module) if mode == "time" else breakdown(module)
    import json

    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
