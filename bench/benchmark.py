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
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
import botocore
import botocore.handlers
import botocore.session
import moto
import moto.stepfunctions
from botocore.model import OperationModel
from botocore.stub import Stubber

from bench.load import measure_load, render_load
from lakegate.catalog.reader import TABLES_PER_PAGE, read_scope
from lakegate.core import manifest
from lakegate.requests.model import parse_request
from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, OfflineMesh, offline_mesh

REGION = "us-east-1"
DEFAULT_SIZES = (1, 100, 1000)
DEFAULT_ROUNDS = 7
PATHS = ("auto-share", "approve", "deny", "expire")
TRANSITION_TARGETS: Mapping[str, int] = {"auto-share": 4, "approve": 6}
COLD_START_TARGET = 1.3
EXECUTION_TIMEOUT = 60.0
DECISION_API = "decision_api"

HANDLERS_PREFIX = str(manifest.LAMBDAS_DIR / "lakegate" / "handlers") + os.sep
MOTO_STEPFUNCTIONS_PREFIX = str(Path(moto.stepfunctions.__file__).resolve().parent) + os.sep
EXECUTOR = "executor"
HARNESS = "harness"
CHILD_SCRIPT = Path(__file__).resolve().with_name("coldstart_child.py")
BASELINE_MODULE = "-"
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL")  # the only variables a cold-start child inherits

# Dummy values for the settings the handlers read at load (manifest.FunctionSpec.environment).
_STATE_MACHINES = f"arn:aws:states:{REGION}:123456789012:stateMachine"
DUMMY_SETTINGS: Mapping[str, str] = {
    manifest.LEDGER_TABLE_NAME: "lakegate-ledger",
    manifest.NOTIFICATION_TOPIC_ARN: f"arn:aws:sns:{REGION}:123456789012:lakegate-consumer-notifications",
    manifest.APPROVAL_TIMEOUT_SECONDS: "3600",
    manifest.DECISION_BASE_URL: "https://decisions.example.invalid",
    manifest.PRODUCER_ROLE_NAME: "ProducerWorkflowRole",
    manifest.PRODUCER_TOPIC_NAME: "DataLakeSharingApproval",
    manifest.EVENT_BUS_NAME: "lakegate",
    manifest.REVOKE_FUNCTION_NAME: "lakegate-revoke_access",
    manifest.EXPIRY_STATE_MACHINE_ARN: f"{_STATE_MACHINES}:lakegate-expiry",
    manifest.ACCESS_DAY_SECONDS: "86400",
    manifest.APPROVAL_REMINDER_SECONDS: "86400",
    manifest.REMINDER_STATE_MACHINE_ARN: f"{_STATE_MACHINES}:lakegate-reminder",
    manifest.USER_ROLE_PREFIX: "lakegate-user-",
    manifest.STATE_MACHINE_ARN: f"{_STATE_MACHINES}:lakegate-access-request",
    manifest.USER_POOL_CLIENT_ID: "1example23456789portalclient",
}

_started = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:6.1f}s] {message}", file=sys.stderr, flush=True)


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


# ----- 1. workflow paths -------------------------------------------------------------------------


@dataclass
class PathRun:
    path: str
    tables: int
    status: str
    outcome: str
    seconds: float
    states: list[str]
    lambda_history: int
    lambda_in_process: int
    executor_invokes: int
    decision_api_invocations: int
    handler_calls: dict[str, Counter[str]]
    executor_calls: Counter[str]
    harness_calls: int

    @property
    def transitions(self) -> int:
        return len(self.states)

    @property
    def transition_target(self) -> int | None:
        return TRANSITION_TARGETS.get(self.path)

    @property
    def transitions_met(self) -> bool | None:
        target = self.transition_target
        return None if target is None else self.transitions <= target

    @property
    def lambda_counts_agree(self) -> bool:
        return self.lambda_history == self.lambda_in_process == self.executor_invokes

    @property
    def handler_call_total(self) -> int:
        return sum(sum(calls.values()) for calls in self.handler_calls.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "tables": self.tables,
            "status": self.status,
            "outcome": self.outcome,
            "seconds": round(self.seconds, 3),
            "state_transitions": self.transitions,
            "states_entered": self.states,
            "state_transitions_target_max": self.transition_target,
            "state_transitions_target_met": self.transitions_met,
            "lambda_invocations": {
                "execution_history": self.lambda_history,
                "in_process_delta": self.lambda_in_process,
                "executor_lambda_invoke_calls": self.executor_invokes,
                "agree": self.lambda_counts_agree,
            },
            "decision_api_invocations": self.decision_api_invocations,
            "handler_api_calls": {
                handler: dict(sorted(calls.items())) for handler, calls in self.handler_calls.items()
            },
            "handler_api_calls_total": self.handler_call_total,
            "executor_api_calls": dict(sorted(self.executor_calls.items())),
            "harness_api_calls_excluded": self.harness_calls,
        }


def database_name(kind: str, tables: int) -> str:
    return f"bench_{kind}_{tables}"


def build_catalog(mesh: OfflineMesh, sizes: Sequence[int], kinds: Sequence[str]) -> None:
    """One database per kind and size; a ``pii`` database has a ``pii_flag`` column in its last table."""
    glue = mesh.client("glue")
    for kind in kinds:
        for tables in sizes:
            database = database_name(kind, tables)
            create_database(glue, database, data_owner=PRODUCER_ACCOUNT, owner_name="Bench Producer")
            began = time.perf_counter()
            for index in range(tables):
                flagged = kind == "pii" and index == tables - 1
                columns: list[str | tuple[str, Mapping[str, str]]] = ["id", "value"]
                if flagged:
                    columns.append(("email", {"pii_flag": "true"}))
                create_table(glue, database, f"table_{index:04d}", columns=columns)
                if tables >= 500 and (index + 1) % 250 == 0 and index + 1 < tables:
                    progress(f"  {database}: {index + 1}/{tables} tables created")
            progress(f"  {database}: {tables} tables created in {time.perf_counter() - began:.1f}s")


def is_lambda_task(event: Mapping[str, Any]) -> bool:
    """A Lambda invocation scheduled by a task: a function-ARN resource or a lambda:invoke integration."""
    if event["type"] == "LambdaFunctionScheduled":
        return True
    details = event.get("taskScheduledEventDetails") or {}
    return bool(event["type"] == "TaskScheduled" and details.get("resourceType") == "lambda")


def lambda_tasks(events: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for event in events if is_lambda_task(event))


def execution_history(mesh: OfflineMesh, execution_arn: str) -> list[dict[str, Any]]:
    sfn = mesh.client("stepfunctions")
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        arguments: dict[str, Any] = {"executionArn": execution_arn}
        if token:
            arguments["nextToken"] = token
        page = sfn.get_execution_history(**arguments)
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            return events


def approval_email_for(mesh: OfflineMesh, request_id: str, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for email in mesh.approval_emails():
            if request_id in email["body"]:
                return email
        time.sleep(0.02)
    raise TimeoutError(f"no approval email about {request_id} arrived in {timeout}s")


def decision_link(email: Mapping[str, Any], action: str) -> str:
    """The Approve or Deny link of an approval email (lines ``Approve: <url>`` and ``Deny: <url>``)."""
    label = {"approve": "Approve:", "deny": "Deny:"}[action]
    for line in str(email["body"]).splitlines():
        if line.strip().startswith(label):
            return line.split()[-1]
    raise ValueError(f"the approval email has no {label} link")


def run_path(mesh: OfflineMesh, log: ApiCallLog, path: str, tables: int) -> PathRun:
    """One execution of ``path`` on a database of ``tables`` tables, with what it cost."""
    kind = "plain" if path == "auto-share" else "pii"
    request_id = f"bench-{path}-{tables}"
    request = {
        "source": {"database": database_name(kind, tables), "table": "*"},
        "target": {"account_id": CONSUMER_ACCOUNT},
        "requester": "benchmark",
    }
    invocations_before = dict(mesh.lambdas.invocations)
    position = log.position()
    began = time.perf_counter()
    execution_arn = mesh.start(request, request_id)
    if path in ("approve", "deny"):
        mesh.wait(execution_arn, until="waiting", timeout=EXECUTION_TIMEOUT)
        link = decision_link(approval_email_for(mesh, request_id), path)
        page = mesh.http("GET", link)
        decided = mesh.post_decision(link, path, approver="Bench Owner", comment="benchmark decision")
        if page.status != 200 or decided.status != 200:
            progress(f"  {request_id}: decision API answered GET {page.status}, POST {decided.status}")
    described = mesh.wait(execution_arn, timeout=EXECUTION_TIMEOUT)
    seconds = time.perf_counter() - began
    calls = log.since(position)
    invocations = {
        name: count - invocations_before.get(name, 0) for name, count in mesh.lambdas.invocations.items()
    }
    decision_api = sum(count for name, count in invocations.items() if name.endswith(DECISION_API))
    events = execution_history(mesh, execution_arn)
    if path == "expire":
        approval_email_for(mesh, request_id)  # drain it
    mesh.consumer_notices()  # drain: the next run starts with empty inboxes
    handler_calls: dict[str, Counter[str]] = {}
    executor_calls: Counter[str] = Counter()
    harness = 0
    for call in calls:
        if call.caller == EXECUTOR:
            executor_calls[call.name] += 1
        elif call.caller == HARNESS:
            harness += 1
        else:
            handler_calls.setdefault(call.caller, Counter())[call.name] += 1
    outcome = ""
    if described["status"] == "SUCCEEDED":
        outcome = str(json.loads(described.get("output") or "{}").get("status", ""))
    else:
        outcome = str(described.get("error", ""))
    order = [spec.key for spec in manifest.FUNCTIONS]
    return PathRun(
        path=path,
        tables=tables,
        status=described["status"],
        outcome=outcome,
        seconds=seconds,
        states=[
            event["stateEnteredEventDetails"]["name"]
            for event in events
            if event["type"].endswith("StateEntered")
        ],
        lambda_history=lambda_tasks(events),
        lambda_in_process=sum(invocations.values()) - decision_api,
        executor_invokes=executor_calls["lambda.Invoke"],
        decision_api_invocations=decision_api,
        handler_calls={key: handler_calls[key] for key in sorted(handler_calls, key=order.index)},
        executor_calls=executor_calls,
        harness_calls=harness,
    )


def measure_paths(sizes: Sequence[int]) -> list[PathRun]:
    runs: list[PathRun] = []
    log = ApiCallLog()
    with log.installed():
        progress("building the mesh (central, producer, consumer on moto) for auto-share, approve, deny")
        with offline_mesh() as mesh:
            build_catalog(mesh, sizes, kinds=("plain", "pii"))
            for path in ("auto-share", "approve", "deny"):
                for tables in sizes:
                    runs.append(run_path(mesh, log, path, tables))
                    progress(f"  {path} on {tables} tables: {runs[-1].status} in {runs[-1].seconds:.2f}s")
        progress("building a second mesh with approval_timeout_seconds=1 for expire")
        with offline_mesh(approval_timeout_seconds=1) as mesh:
            build_catalog(mesh, sizes, kinds=("pii",))
            for tables in sizes:
                runs.append(run_path(mesh, log, "expire", tables))
                progress(f"  expire on {tables} tables: {runs[-1].status} in {runs[-1].seconds:.2f}s")
    return runs


# ----- 2. catalog reads --------------------------------------------------------------------------


def catalog_read_target(tables: int) -> int:
    return 1 + math.ceil(tables / TABLES_PER_PAGE)


@dataclass
class CatalogReads:
    tables: int
    calls: Counter[str]
    page_sizes: list[int | None] = field(default_factory=list)
    tables_read: int | None = None
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def met(self) -> bool:
        return self.error is None and self.total == catalog_read_target(self.tables)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "calls": dict(sorted(self.calls.items())),
            "total": self.total,
            "target": catalog_read_target(self.tables),
            "met": self.met,
        }
        if self.page_sizes:
            document["get_tables_max_results"] = self.page_sizes
        if self.tables_read is not None:
            document["tables_read"] = self.tables_read
        if self.error:
            document["error"] = self.error
        return document


def moto_catalog_reads(runs: Sequence[PathRun]) -> dict[int, CatalogReads]:
    """evaluate_request's Glue calls in the auto-share executions (served by moto)."""
    found: dict[int, CatalogReads] = {}
    for run in runs:
        if run.path != "auto-share":
            continue
        evaluate = run.handler_calls.get("evaluate_request", Counter())
        calls = Counter({name: count for name, count in evaluate.items() if name.startswith("glue.")})
        found[run.tables] = CatalogReads(tables=run.tables, calls=calls)
    return found


def _stub_table(database: str, name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "DatabaseName": database,
        "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string"}]},
        "PartitionKeys": [],
        "Parameters": {},
    }


def stubbed_catalog_reads(tables: int) -> CatalogReads:
    """read_scope against a Stubber serving pages of 100 tables chained by NextToken."""
    database = f"stubbed_{tables}"
    glue: Any = botocore.session.Session().create_client(
        "glue", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    result = CatalogReads(tables=tables, calls=Counter())

    def count(params: Mapping[str, Any], model: OperationModel, **_: Any) -> None:
        result.calls[f"glue.{model.name}"] += 1
        if model.name == "GetTables":
            result.page_sizes.append(params.get("MaxResults"))

    glue.meta.events.register("before-parameter-build.glue", count)
    stubber = Stubber(glue)
    stubber.add_response(
        "get_database", {"Database": {"Name": database, "Parameters": {"data_owner": PRODUCER_ACCOUNT}}}
    )
    names = [f"table_{index:04d}" for index in range(tables)]
    pages = [names[start : start + TABLES_PER_PAGE] for start in range(0, tables, TABLES_PER_PAGE)] or [[]]
    for number, page in enumerate(pages, start=1):
        response: dict[str, Any] = {"TableList": [_stub_table(database, name) for name in page]}
        if number < len(pages):
            response["NextToken"] = f"page-{number + 1}"
        stubber.add_response("get_tables", response)
    request = parse_request(
        {"source": {"database": database, "table": "*"}, "target": {"account_id": CONSUMER_ACCOUNT}}
    )
    try:
        with stubber:
            scope = read_scope(request, glue=glue)
            stubber.assert_no_pending_responses()
        result.tables_read = len(scope.tables)
    except Exception as error:  # a measurement, not a test: report what the code did
        result.error = f"{type(error).__name__}: {error}"
    return result


# ----- 3. cold start -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    key: str  # FunctionSpec.key, or "baseline"
    module: str  # handler module, or BASELINE_MODULE
    environment: tuple[str, ...] = ()


BASELINE = Subject(key="baseline", module=BASELINE_MODULE)


def cold_start_subjects() -> list[Subject]:
    return [
        Subject(key=spec.key, module=spec.handler.rpartition(".")[0], environment=spec.environment)
        for spec in manifest.FUNCTIONS
    ]


def child_environment(subject: Subject) -> dict[str, str]:
    """A Lambda-like environment: what the service and the stack set, dummy credentials, no config."""
    environment = {name: os.environ[name] for name in INHERITED if name in os.environ}
    environment.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "LAMBDA_TASK_ROOT": str(manifest.LAMBDAS_DIR),
            "AWS_LAMBDA_FUNCTION_NAME": f"lakegate-{subject.key}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "POWERTOOLS_SERVICE_NAME": "lakegate",
        }
    )
    environment.update({name: DUMMY_SETTINGS[name] for name in subject.environment})
    return environment


def run_child(
    subject: Subject, mode: str, *, importtime: bool = False
) -> tuple[dict[str, float], float, str]:
    """Run the child once; returns its JSON result, the process wall time and its stderr."""
    command = [sys.executable]
    if importtime:
        command += ["-X", "importtime"]
    command += [str(CHILD_SCRIPT), mode, str(manifest.LAMBDAS_DIR), subject.module]
    began = time.perf_counter()
    completed = subprocess.run(
        command,
        env=child_environment(subject),
        cwd=manifest.LAMBDAS_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    wall = time.perf_counter() - began
    if completed.returncode != 0:
        raise RuntimeError(f"cold-start child for {subject.key} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1]), wall, completed.stderr


@dataclass
class ColdStart:
    subject: Subject
    imports: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)

    @property
    def median_import(self) -> float:
        return statistics.median(self.imports)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.walls)


def importtime_by_package(stderr: str) -> Counter[str]:
    """Self import time (microseconds) per top-level package from ``-X importtime`` output."""
    totals: Counter[str] = Counter()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        fields = line[len("import time:") :].split("|")
        if not fields[0].strip().isdigit():
            continue  # the header line
        package = fields[2].strip().split(".")[0]
        totals[package] += int(fields[0])
    return totals


def diagnose(subject: Subject, baseline_packages: Counter[str]) -> dict[str, Any]:
    samples = [run_child(subject, "breakdown")[0] for _ in range(3)]
    labels = sorted({label for sample in samples for label in sample})
    parts = {label: statistics.median(sample.get(label, 0.0) for sample in samples) for label in labels}
    _, _, stderr = run_child(subject, "time", importtime=True)
    extra = importtime_by_package(stderr)
    extra.subtract(baseline_packages)
    top = {package: micros / 1e6 for package, micros in extra.most_common(6) if micros > 500}
    return {
        "breakdown_s": dict(sorted(parts.items(), key=lambda item: -item[1])),
        "extra_import_time_vs_baseline_s": top,
    }


def measure_cold_start(rounds: int) -> dict[str, Any]:
    subjects = [BASELINE, *cold_start_subjects()]
    results = {subject.key: ColdStart(subject) for subject in subjects}
    progress(f"cold start: warm-up round, then {rounds} rounds of {len(subjects)} fresh processes")
    for subject in subjects:
        run_child(subject, "time")
    for number in range(rounds):
        shift = number % len(subjects)
        for subject in subjects[shift:] + subjects[:shift]:
            result, wall, _ = run_child(subject, "time")
            results[subject.key].imports.append(result["import_s"])
            results[subject.key].walls.append(wall)
        progress(f"  round {number + 1}/{rounds} done")
    baseline = results[BASELINE.key]
    over = [
        results[subject.key]
        for subject in subjects[1:]
        if results[subject.key].median_import / baseline.median_import > COLD_START_TARGET
    ]
    diagnostics: dict[str, Any] = {}
    if over:
        progress(f"cold start: diagnosing {len(over)} handler(s) over the target")
        _, _, baseline_stderr = run_child(BASELINE, "time", importtime=True)
        baseline_packages = importtime_by_package(baseline_stderr)
        diagnostics["baseline"] = {
            "breakdown_s": {
                label: statistics.median(run_child(BASELINE, "breakdown")[0][label] for _ in range(3))
                for label in ("import boto3 + botocore", "client dynamodb", "total")
            }
        }
        for cold in over:
            diagnostics[cold.subject.key] = diagnose(cold.subject, baseline_packages)
    return {
        "rounds": rounds,
        "python": sys.executable,
        "target_ratio_max": COLD_START_TARGET,
        "environment": {
            name: "<inherited>" if name in INHERITED else value
            for name, value in child_environment(
                Subject(key="<function>", module="", environment=tuple(DUMMY_SETTINGS))
            ).items()
        },
        "baseline": {
            "code": 'import boto3; boto3.client("dynamodb", region_name="us-east-1")',
            "median_import_s": round(baseline.median_import, 4),
            "median_process_wall_s": round(baseline.median_wall, 4),
            "import_s": [round(value, 4) for value in baseline.imports],
        },
        "handlers": [
            {
                "function": cold.subject.key,
                "module": cold.subject.module,
                "median_import_s": round(cold.median_import, 4),
                "median_process_wall_s": round(cold.median_wall, 4),
                "ratio": round(cold.median_import / baseline.median_import, 3),
                "met": cold.median_import / baseline.median_import <= COLD_START_TARGET,
                "import_s": [round(value, 4) for value in cold.imports],
            }
            for cold in (results[subject.key] for subject in subjects[1:])
        ],
        "diagnostics": diagnostics,
    }


# ----- output ------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A plain text table; columns whose index is in ``right`` are right-aligned."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [max(len(headers[index]), *(len(row[index]) for row in cells)) for index in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if index in right else value.ljust(width)
            for index, (value, width) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in cells)])


def render_paths(runs: Sequence[PathRun]) -> str:
    out = ["1. WORKFLOW PATHS — one execution each on moto (real ASL, handlers in-process)", ""]
    rows = []
    for run in runs:
        target = run.transition_target
        rows.append(
            [
                run.path,
                run.tables,
                f"{run.status} {run.outcome}".strip(),
                run.transitions,
                "—" if target is None else f"≤ {target} {mark(run.transitions_met is True)}",
                f"{run.lambda_history} / {run.lambda_in_process} / {run.executor_invokes} "
                + mark(run.lambda_counts_agree),
                run.decision_api_invocations,
                run.handler_call_total,
                f"{run.seconds:.2f}",
            ]
        )
    out.append(
        table(
            [
                "path",
                "tables",
                "result",
                "transitions",
                "target",
                "Lambda invocations (history/in-process/Invoke)",
                "decision API",
                "handler API calls",
                "seconds",
            ],
            rows,
            right=(1, 3, 6, 7, 8),
        )
    )
    out += [
        "",
        "transitions = *StateEntered events; Lambda invocations = LambdaFunctionScheduled + TaskScheduled",
        "(resourceType lambda) in the history, cross-checked with InProcessLambdas and moto's lambda:Invoke",
        "calls (✓ = all three agree). decision API = owner's GET of the link + POST of the decision, outside",
        "the state machine. Handler API calls count calls made from lambdas/lakegate/handlers/ code only.",
    ]
    for path in PATHS:
        path_runs = [run for run in runs if run.path == path]
        if not path_runs:
            continue
        out += ["", f"API calls by handler — {path} (columns: tables in the database)", ""]
        keys = []
        for run in path_runs:
            for handler, calls in run.handler_calls.items():
                for name in calls:
                    if (handler, name) not in keys:
                        keys.append((handler, name))
        rows = [
            [handler, name, *(run.handler_calls.get(handler, Counter())[name] for run in path_runs)]
            for handler, name in keys
        ]
        rows.append(["total (handlers)", "", *(run.handler_call_total for run in path_runs)])
        executor_names = sorted({name for run in path_runs for name in run.executor_calls})
        rows += [
            ["(moto executor, excluded)", name, *(run.executor_calls[name] for run in path_runs)]
            for name in executor_names
        ]
        right = tuple(range(2, 2 + len(path_runs)))
        out.append(
            table(["handler", "service.Operation", *(f"T={run.tables}" for run in path_runs)], rows, right)
        )
    return "\n".join(out)


def render_catalog(moto_reads: Mapping[int, CatalogReads], stubbed: Mapping[int, CatalogReads]) -> str:
    out = ["2. CATALOG READS — whole-database request of T tables; target 1 + ceil(T/100) calls", ""]
    rows = []
    for tables, stub in stubbed.items():
        on_moto = moto_reads.get(tables)
        moto_cell = "—"
        if on_moto is not None:
            # Not marked against the target: moto answers GetTables in one page whatever its size.
            moto_cell = (
                f"{on_moto.calls['glue.GetDatabase']} + {on_moto.calls['glue.GetTables']} = {on_moto.total}"
            )
        stub_cell = (
            f"{stub.calls['glue.GetDatabase']} + {stub.calls['glue.GetTables']} = {stub.total} "
            + mark(stub.met)
        )
        if stub.error:
            stub_cell += f" ({stub.error})"
        sizes = sorted({size for size in stub.page_sizes if size is not None})
        rows.append(
            [
                tables,
                catalog_read_target(tables),
                moto_cell,
                stub_cell,
                ", ".join(map(str, sizes)) or "—",
                "—" if stub.tables_read is None else stub.tables_read,
            ]
        )
    out.append(
        table(
            [
                "T",
                "target",
                "moto: GetDatabase + GetTables",
                "Stubber: GetDatabase + GetTables",
                "MaxResults sent",
                "tables read",
            ],
            rows,
            right=(0, 1, 5),
        )
    )
    out += [
        "",
        "moto ignores MaxResults on GetTables and returns every table in one page, so its count stays",
        "at 2 and is shown unmarked; the Stubber serves pages of 100 tables chained by NextToken, as Glue",
        "does: that column is the paging measured against the target.",
    ]
    return "\n".join(out)


def render_cold_start(cold: Mapping[str, Any]) -> str:
    baseline = cold["baseline"]
    out = [
        f"3. HANDLER COLD START — fresh process per import, median of {cold['rounds']} interleaved runs; "
        f"target ratio ≤ {cold['target_ratio_max']}",
        "",
    ]
    rows = [
        [
            "baseline: import boto3 + dynamodb client",
            f"{baseline['median_import_s'] * 1000:.1f}",
            "1.00",
            "",
            f"{baseline['median_process_wall_s'] * 1000:.0f}",
        ]
    ]
    for handler in cold["handlers"]:
        rows.append(
            [
                handler["module"],
                f"{handler['median_import_s'] * 1000:.1f}",
                f"{handler['ratio']:.2f}",
                mark(handler["met"]),
                f"{handler['median_process_wall_s'] * 1000:.0f}",
            ]
        )
    out.append(
        table(["import", "median import ms", "ratio", "≤ 1.3", "process wall ms"], rows, right=(1, 2, 4))
    )
    out += [
        "",
        "Tracer enabled as deployed (LAMBDA_TASK_ROOT set, POWERTOOLS_TRACE_DISABLED unset); the full",
        "environment is in the --json output.",
    ]
    diagnostics = cold.get("diagnostics") or {}
    if diagnostics:
        out += ["", "Where the load time goes (ms, median of 3 instrumented runs; wrapping adds a little):"]
        out.append("")
        keys = [key for key in diagnostics if key != "baseline"]
        labels: list[str] = []
        for key in ["baseline", *keys]:
            for label in diagnostics[key]["breakdown_s"]:
                if label not in labels:
                    labels.append(label)
        labels.sort(key=lambda label: label == "total")
        rows = [
            [
                label,
                *(
                    f"{diagnostics[key]['breakdown_s'][label] * 1000:.1f}"
                    if label in diagnostics[key]["breakdown_s"]
                    else ""
                    for key in ["baseline", *keys]
                ),
            ]
            for label in labels
        ]
        out.append(table(["part", "baseline", *keys], rows, right=tuple(range(1, 2 + len(keys)))))
        out += [
            "",
            "Extra self import time against the baseline by top-level package (python -X importtime);",
        ]
        out += [
            "'handlers' is the handler module's own body: its clients and Tracer(), broken down above.",
            "",
        ]
        rows = [
            [
                key,
                ", ".join(
                    f"{package} {seconds * 1000:.1f} ms"
                    for package, seconds in diagnostics[key]["extra_import_time_vs_baseline_s"].items()
                ),
            ]
            for key in keys
        ]
        out.append(table(["handler", "top contributors"], rows))
    return "\n".join(out)


# ----- main --------------------------------------------------------------------------------------


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
    elapsed = time.perf_counter() - _started
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
