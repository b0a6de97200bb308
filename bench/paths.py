"""Section 1 of the benchmark: state transitions, Lambda invocations and API calls of each workflow path."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.common import EXECUTOR, HARNESS, ApiCallLog, mark, progress, table
from lakegate.core import manifest
from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, OfflineMesh, offline_mesh

PATHS = ("auto-share", "approve", "deny", "expire")
TRANSITION_TARGETS: Mapping[str, int] = {"auto-share": 4, "approve": 6}
EXECUTION_TIMEOUT = 60.0
DECISION_API = "decision_api"


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


# ----- output ------------------------------------------------------------------------------------


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
