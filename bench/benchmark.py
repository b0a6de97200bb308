"""lakegate benchmark: workflow cost per path, catalog reads, handler cold start, and load.

Run from the repository root (no network, no AWS account: everything runs on moto)::

    .venv/bin/python -m bench.benchmark            # readable tables on stdout
    .venv/bin/python -m bench.benchmark --json     # one JSON document on stdout instead
    .venv/bin/python -m bench.benchmark --only load            # one section (or a comma list of
                                                               # paths, catalog, cold-start, load)

Progress lines go to stderr. The benchmark measures and reports; it asserts nothing. Each
target is printed next to its measured value with ✓ (met) or ✗ (missed), and the exit code is
0 whatever the targets say; it is non-zero only when the benchmark itself crashes. The whole
run takes about 100 seconds on 2 cores: sections 1 to 3 about 40 (``--rounds`` and ``--sizes`` make
them shorter or longer), section 4 about 60.
It sets dummy AWS credentials and region us-east-1 itself, and removes ``AWS_PROFILE``,
``AWS_ENDPOINT_URL`` and ``MOTO_ACCOUNT_ID`` from its environment (moto must see the
assumed-role credentials of the producer account).

1. Workflow paths. For each path (auto-share, approve, deny, expire) and each database size
   (1, 100 and 1,000 Glue tables) one execution of the real state machine
   (``statemachine/access_request.asl.json``) runs on a ``lakegate_offline.mesh.OfflineMesh``, with the
   project's handlers in-process. The request is a whole-database request
   (``{"source": {"database": D, "table": "*"}, ...}``). Auto-share databases have no flag;
   approve, deny and expire databases have one table (the last) with a ``pii_flag`` column.
   Approve and deny are decided as an owner does: the approval email's link is opened (GET
   confirmation page) and its button pressed (POST), through the decision API handler. Expire
   runs on a second mesh built with ``approval_timeout_seconds=1`` and nobody decides.
   From ``get_execution_history`` it reports state transitions (``*StateEntered`` events,
   targets: at most 4 on auto-share, at most 6 on approve) and Lambda invocations
   (``LambdaFunctionScheduled`` + ``TaskScheduled`` whose resourceType is ``lambda``),
   cross-checked against the delta of ``InProcessLambdas.invocations`` (less the decision API,
   which the state machine never invokes) and against the ``lambda:Invoke`` calls moto's
   executor made. It also reports every AWS API call the handlers made, by handler, service
   and operation.

   How API calls are attributed. One botocore ``before-call`` hook counts every API call of
   every client. It is appended to ``botocore.handlers.BUILTIN_HANDLERS`` before the mesh is
   built, so every botocore session created afterwards registers it, and every client copies
   it from its session's event emitter when the client is created. That covers the clients the
   handlers create at import (``boto3.client(...)`` on boto3's default session, which moto
   replaces with a fresh one while it mocks, which is why the hook cannot simply be registered
   on the default session beforehand), the SNS client ``request_approval`` creates inside the
   call with assumed-role credentials, the clients moto's Step Functions executor creates per
   task, and the harness's own clients. Each call is labelled by the stack of the thread that
   makes it: the innermost frame in a file under ``lambdas/lakegate/handlers/`` names the handler (the
   file stem is the ``FunctionSpec.key``); otherwise a frame under moto's ``stepfunctions``
   package marks a call of the executor (its ``lambda:Invoke`` of each task, which enters the
   handler only after ``before-call`` has fired); anything else is the harness (setup, polling
   ``describe_execution``, reading history, draining inboxes), which is excluded. Calls are
   counted from the start of an execution until it ends; executions run one at a time. The
   count is of API calls (``before-call`` fires once per call), not of HTTP attempts: botocore
   retries would not add to it. The mesh runs the handlers with tracing disabled (see
   ``lakegate_offline.in_process_lambda``); deployed, X-Ray segments go to the daemon over UDP and are
   not API calls either.

2. Catalog reads. For a whole-database request of T tables the target is 1 + ceil(T/100)
   calls: GetDatabase plus one GetTables page per 100 tables. The moto-backed count is
   ``evaluate_request``'s Glue calls in the auto-share executions above; moto's ``get_tables``
   ignores ``MaxResults`` and returns every table in one page, so the paging is also measured
   with botocore's ``Stubber``: ``lakegate.catalog.reader.read_scope`` is given a Glue client stubbed
   with one GetDatabase response and pages of 100 tables chained by ``NextToken``, calls are
   counted by operation with a ``before-parameter-build`` hook on that client (which also
   records the ``MaxResults`` requested), and ``assert_no_pending_responses`` ends each case.

3. Handler cold start. For each ``FunctionSpec`` in ``manifest.FUNCTIONS`` a fresh Python
   process (this interpreter, running ``bench/coldstart_child.py``) times, with
   ``time.perf_counter``, the import of the handler module: the module, everything it imports
   and the clients it creates at load. The baseline is, the same way,
   ``import boto3; boto3.client("dynamodb", region_name="us-east-1")``. One uncounted warm-up
   round (which also writes bytecode caches), then ``--rounds`` (default 7) rounds, each
   running the baseline and every handler once, in an order rotated per round. Reported: the
   median import time of each, the ratio handler/baseline (target at most 1.3) and the median
   wall time of the whole child process. The child's environment is minimal and the same for
   every subject: PATH/HOME/LANG from this process; dummy credentials
   (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN`` = testing),
   ``AWS_REGION`` and ``AWS_DEFAULT_REGION`` = us-east-1, ``AWS_CONFIG_FILE`` and
   ``AWS_SHARED_CREDENTIALS_FILE`` = /dev/null, ``AWS_EC2_METADATA_DISABLED`` = true (no
   network: credentials and region come from the environment); what the Lambda service sets
   (``LAMBDA_TASK_ROOT`` = lambdas/, ``AWS_LAMBDA_FUNCTION_NAME``,
   ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE`` = 256, ``AWS_LAMBDA_FUNCTION_VERSION``,
   ``AWS_EXECUTION_ENV`` = AWS_Lambda_python3.12, ``AWS_XRAY_DAEMON_ADDRESS`` = 127.0.0.1:2000,
   ``AWS_XRAY_CONTEXT_MISSING`` = LOG_ERROR); what the stack sets (``POWERTOOLS_SERVICE_NAME``
   = lakegate and the function's own settings, with dummy values). ``POWERTOOLS_TRACE_DISABLED``
   is NOT set: with ``LAMBDA_TASK_ROOT`` present, Powertools' Tracer is enabled and patches
   botocore through the X-Ray SDK at import, as in the deployed functions (which run with
   active tracing); as in Lambda, the X-Ray SDK touches ``/tmp/.aws-xray/initialized``. Nothing
   is sent anywhere at import. For each handler over the target, a diagnostic follows: a
   breakdown of its load (boto3 import, Powertools import, each client, ``Tracer()``,
   ``Logger()``, the rest; median of 3 instrumented runs) and the packages with the most extra
   import time against the baseline under ``python -X importtime``.

4. Load. 200 requests started at once against the sandbox (``python -m lakegate_sandbox`` in its own
   process, on free loopback ports), a mix of auto-share, approved and denied requests decided
   through the email links over HTTP; then the emulator's throughput for a trivial three-state
   machine (Pass → Pass → Succeed) against lakegate's auto-share path, in one fresh sandbox.
   How it is measured and checked is described in ``bench/load.py``.

This module is the command line. Sections 1 to 4 are measured and rendered by ``bench/paths.py``,
``bench/catalog.py``, ``bench/cold_start.py`` and ``bench/load.py``; what they share (the region,
progress lines, the API-call log, text tables) is in ``bench/common.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import boto3
import botocore
import moto

from bench.catalog import (
    CatalogReads,
    catalog_read_target,
    moto_catalog_reads,
    render_catalog,
    stubbed_catalog_reads,
)
from bench.cold_start import measure_cold_start, render_cold_start
from bench.common import REGION, STARTED, progress, table
from bench.load import measure_load, render_load
from bench.paths import measure_paths, render_paths

DEFAULT_SIZES = (1, 100, 1000)
DEFAULT_ROUNDS = 7


def prepare_environment() -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
    )


def sizes_argument(text: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in text.split(",") if part.strip())
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("give positive table counts, e.g. 1,100,1000")
    return sizes


SECTIONS = ("paths", "catalog", "cold-start", "load")


def sections_argument(text: str) -> tuple[str, ...]:
    sections = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [section for section in sections if section not in SECTIONS]
    if not sections or unknown:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(SECTIONS)} (comma-separated)")
    return sections


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.benchmark", description=(__doc__ or "").split("\n\n", 1)[0]
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    parser.add_argument(
        "--sizes", type=sizes_argument, default=DEFAULT_SIZES, help="tables per database (default 1,100,1000)"
    )
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help="cold-start runs per import (default 7)"
    )
    parser.add_argument(
        "--only",
        type=sections_argument,
        default=SECTIONS,
        metavar="SECTIONS",
        help=f"run only these sections, comma-separated: {', '.join(SECTIONS)} (default all)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, write: Callable[[str], object] = print) -> int:
    arguments = parse_arguments(argv)
    only = set(arguments.only)
    prepare_environment()
    runs = measure_paths(arguments.sizes) if "paths" in only else []
    moto_reads: dict[int, CatalogReads] = {}
    stubbed: dict[int, CatalogReads] = {}
    if "catalog" in only:
        progress("catalog reads: Stubber-backed paging")
        moto_reads = moto_catalog_reads(runs)
        stubbed = {tables: stubbed_catalog_reads(tables) for tables in arguments.sizes}
    cold = measure_cold_start(max(1, arguments.rounds)) if "cold-start" in only else None
    load = measure_load(progress) if "load" in only else None
    elapsed = time.perf_counter() - STARTED
    progress(f"done in {elapsed:.0f}s")
    if arguments.json:
        document: dict[str, Any] = {
            "versions": {
                "python": platform.python_version(),
                "boto3": boto3.__version__,
                "botocore": botocore.__version__,
                "moto": moto.__version__,
            },
            "cpus": os.cpu_count(),
            "sections": [section for section in SECTIONS if section in only],
        }
        if "paths" in only:
            document["workflow_paths"] = [run.to_json() for run in runs]
        if "catalog" in only:
            document["catalog_reads"] = [
                {
                    "tables": tables,
                    "target": catalog_read_target(tables),
                    "moto": moto_reads[tables].to_json() if tables in moto_reads else None,
                    "stubber": stubbed[tables].to_json(),
                }
                for tables in arguments.sizes
            ]
        if cold is not None:
            document["cold_start"] = cold
        if load is not None:
            document["load"] = load
        document["elapsed_s"] = round(elapsed, 1)
        write(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    header = (
        f"lakegate benchmark — Python {platform.python_version()}, boto3 {boto3.__version__}, "
        f"moto {moto.__version__}, {os.cpu_count()} CPUs, {elapsed:.0f}s"
    )
    parts = [header]
    if "paths" in only:
        parts.append(render_paths(runs))
    if "catalog" in only:
        parts.append(render_catalog(moto_reads, stubbed))
    if cold is not None:
        parts.append(render_cold_start(cold))
    if load is not None:
        parts.append(render_load(load, table))
    write("\n\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
