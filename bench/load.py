"""Section 4 of the benchmark: LOAD. 200 requests at once against the sandbox, and the emulator's own pace.

Each part starts its own sandbox as a user does (``python -m lakegate_sandbox --port P --web-port W`` on free
loopback ports, in a subprocess, with no ``AWS_*`` / ``MOTO_*`` variables inherited), so nothing of
the benchmark's own moto runs (sections 1 and 2) is shared with it, and stops it afterwards. All
traffic goes to 127.0.0.1. Every loop is bounded in count and time.

Mixed load (a fresh sandbox). 200 executions of the lakegate state machine are started by a pool of
32 threads sharing one boto3 Step Functions client. Even-numbered requests are non-sensitive
(``sales``: tables ``orders`` / ``products``, whole or two unflagged columns) and are shared at once;
odd-numbered ones are sensitive (``customers``: columns of ``profiles`` with a ``pii_flag``, table
``payments`` flagged as a whole, table ``visits`` with a flagged partition key) and wait for the
owner. Every request names its own grantee, ``arn:aws:iam::444455556666:role/load-<n>``, and asks
for a table or columns only (moto's ``list_permissions`` breaks when Table and TableWildcard grants
mix). An owner thread reads the outbox JSON every 0.2 s; for each new approval email it has a pool
of 16 threads open the email's link (GET, the confirmation page) and POST the page's form
(``secret``, ``action``, ``approver``) to the web port, as a browser would: every other sensitive
request is approved, the rest denied.

How the end of an execution is observed. The main thread polls ``ListExecutions(statusFilter=
RUNNING)`` (all pages), waiting 25 ms between polls; an execution is final at the first poll whose
answer no longer lists it, and its final time is the moment that answer arrived. Only executions
whose StartExecution had returned before the poll was sent are judged. A busy sandbox answers
slowly, so the real poll period (printed) is longer than 25 ms and a final time is late by up to one
period. As a cross-check free of polling, the same rate is also computed on the emulator's own clock:
executions / (first ``startDate`` → last ``stopDate``), milliseconds, from one ``DescribeExecution``
per execution at the end, which also gives each status and output. Start time = just before
StartExecution is sent; decision time = just before the POST is sent. The sandbox's CPU time is read
from ``/proc/<pid>/stat`` before and after each run (Linux; shown as — elsewhere).

Reported: requests per second (200 / first start → last final); p50 / p95 of start → final for
auto-share requests; p50 / p95 of approval POST → final (GRANTED) for approved ones. Checked and
printed as ✓ / ✗: every execution final; each outcome as expected; the ledger (a DynamoDB Scan of
the ledger table) holds exactly the 200 records, all in a final status (GRANTED, DENIED, EXPIRED,
FAILED), and no record has two GRANTED history entries; Lake Formation's ``list_permissions`` has
no duplicate (principal, resource) entry, grants exactly the principals of GRANTED requests, and
the number of GRANTED records equals approved + auto-shared requests. moto merges a second grant of
the same (principal, resource) into the first, so a grant made twice never shows as a duplicate
entry there: a grant step run twice shows in the ledger (two GRANTED history entries), but a second
GrantPermissions call inside one step would not be visible to this benchmark.

Throughput against the emulator (another fresh sandbox). A trivial state machine (Pass → Pass →
Succeed, no Lambda, created in the sandbox with the lakegate machine's role) runs 200 executions,
then lakegate runs 200 auto-share requests (non-sensitive only), then the trivial machine runs 200
again: same client, same 32 threads, same polling, same inputs (the trivial machine gets the very
request documents), same sandbox process. Throughput = 200 / (first start → last final); the ratio
is lakegate's over the mean of the two trivial runs (target at least 0.5).
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config

from bench.common import mark
from lakegate_sandbox.process import SandboxProcess, sandbox_process

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 200
START_WORKERS = 32
DECISION_WORKERS = 16
POLL_INTERVAL_S = 0.025
OUTBOX_INTERVAL_S = 0.2
MIXED_TIMEOUT_S = 60.0
THROUGHPUT_TIMEOUT_S = 45.0
RATIO_TARGET = 0.5
RUNNING = "RUNNING"
FINAL_LEDGER_STATUSES = frozenset({"GRANTED", "DENIED", "EXPIRED", "FAILED"})
AUTO_SHARE, APPROVE, DENY, TRIVIAL = "auto-share", "approve", "deny", "trivial"
EXPECTED_OUTCOME = {AUTO_SHARE: "GRANTED", APPROVE: "GRANTED", DENY: "DENIED", TRIVIAL: "SUCCEEDED"}
LOAD_ROLE = "arn:aws:iam::{account}:role/load-{index}"
TRIVIAL_DEFINITION = {
    "Comment": "benchmark baseline: three states, no Lambda",
    "StartAt": "First",
    "States": {
        "First": {"Type": "Pass", "Next": "Second"},
        "Second": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
# (database, table, columns): nothing flagged, and flagged at column, table and partition-key level.
PLAIN_SCOPES: Sequence[tuple[str, str, list[str] | None]] = (
    ("sales", "orders", None),
    ("sales", "products", ["sku", "name"]),
    ("sales", "products", None),
    ("sales", "orders", ["order_id", "amount"]),
)
SENSITIVE_SCOPES: Sequence[tuple[str, str, list[str] | None]] = (
    ("customers", "profiles", ["customer_id", "email"]),
    ("customers", "payments", None),
    ("customers", "visits", None),
    ("customers", "profiles", ["phone"]),
)
_REQUEST_ID = re.compile(r"^Request id:\s+(\S+)\s*$", re.MULTILINE)
_LINK = re.compile(r"^(Approve|Deny):\s+(\S+)\s*$", re.MULTILINE)
_deserializer = TypeDeserializer()
# Plain HTTP to the sandbox's loopback web port, never through a proxy from the environment.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))

Progress = Callable[[str], None]


# ----- the sandbox, as a user starts it ----------------------------------------------------------


def _client(info: Mapping[str, Any], service: str) -> Any:
    """A client as a consumer's script would have, with a connection per worker thread."""
    create: Callable[..., Any] = boto3.client  # any service by name (the stubs overload each one)
    return create(
        service,
        endpoint_url=info["endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="load",
        aws_secret_access_key="load",
        config=Config(
            max_pool_connections=START_WORKERS + DECISION_WORKERS + 4,
            retries={"mode": "standard", "max_attempts": 3},
        ),
    )


# ----- one request ---------------------------------------------------------------------------------


@dataclass
class Tracked:
    """One execution: what it asked for, and when each step was seen (``time.perf_counter``)."""

    name: str
    kind: str
    request: dict[str, Any]
    started_at: float | None = None
    arn: str | None = None
    start_error: str | None = None
    final_at: float | None = None
    status: str | None = None
    outcome: str | None = None
    decision_posted_at: float | None = None
    decision_http_status: int | None = None
    decision_error: str | None = None
    server_started: datetime | None = None  # the emulator's own startDate / stopDate (milliseconds)
    server_stopped: datetime | None = None

    @property
    def principal(self) -> str:
        return str(self.request["target"]["principal"])

    @property
    def seconds_to_final(self) -> float | None:
        if self.started_at is None or self.final_at is None:
            return None
        return self.final_at - self.started_at

    @property
    def seconds_from_decision(self) -> float | None:
        if self.decision_posted_at is None or self.final_at is None:
            return None
        return self.final_at - self.decision_posted_at


def _request(index: int, scope: tuple[str, str, list[str] | None], consumer: str) -> dict[str, Any]:
    database, table, columns = scope
    source: dict[str, Any] = {"database": database, "table": table}
    if columns:
        source["columns"] = list(columns)
    return {
        "source": source,
        "target": {"account_id": consumer, "principal": LOAD_ROLE.format(account=consumer, index=index)},
        "requester": "load test",
    }


def mixed_requests(run: str, consumer: str) -> list[Tracked]:
    """Half auto-share, half sensitive; every other sensitive one is to be approved."""
    items = []
    for index in range(REQUESTS):
        if index % 2 == 0:
            kind, scope = AUTO_SHARE, PLAIN_SCOPES[(index // 2) % len(PLAIN_SCOPES)]
        else:
            sensitive = index // 2
            kind = APPROVE if sensitive % 2 == 0 else DENY
            scope = SENSITIVE_SCOPES[sensitive % len(SENSITIVE_SCOPES)]
        items.append(Tracked(f"{run}-{index:03d}", kind, _request(index, scope, consumer)))
    return items


def auto_share_requests(run: str, consumer: str, kind: str = AUTO_SHARE) -> list[Tracked]:
    return [
        Tracked(
            f"{run}-{index:03d}", kind, _request(index, PLAIN_SCOPES[index % len(PLAIN_SCOPES)], consumer)
        )
        for index in range(REQUESTS)
    ]


# ----- starting and watching executions ------------------------------------------------------------


def _start(sfn: Any, state_machine_arn: str, item: Tracked) -> None:
    item.started_at = time.perf_counter()
    try:
        item.arn = sfn.start_execution(
            stateMachineArn=state_machine_arn, name=item.name, input=json.dumps(item.request)
        )["executionArn"]
    except Exception as error:  # reported per request, never raised
        item.start_error = f"{type(error).__name__}: {error}"


def _running(sfn: Any, state_machine_arn: str) -> set[str]:
    arns: set[str] = set()
    token: str | None = None
    for _ in range(100):  # pages of up to 1,000: far more than a run starts
        arguments: dict[str, Any] = {
            "stateMachineArn": state_machine_arn,
            "statusFilter": RUNNING,
            "maxResults": 1000,
        }
        if token:
            arguments["nextToken"] = token
        page = sfn.list_executions(**arguments)
        arns.update(execution["executionArn"] for execution in page["executions"])
        token = page.get("nextToken")
        if not token:
            break
    return arns


@dataclass
class Watch:
    polls: int = 0
    poll_errors: Counter[str] = field(default_factory=Counter)
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def mean_poll_period_s(self) -> float | None:
        return self.seconds / self.polls if self.polls else None


def watch_until_final(sfn: Any, state_machine_arn: str, items: Sequence[Tracked], timeout: float) -> Watch:
    """Poll ListExecutions(RUNNING) until every started execution has left RUNNING (or the timeout)."""
    watch = Watch()
    began = time.perf_counter()
    deadline = began + timeout
    while True:
        watch.seconds = time.perf_counter() - began
        settled = all(item.final_at is not None or item.start_error is not None for item in items)
        if settled:
            return watch
        if time.perf_counter() > deadline:
            watch.timed_out = True
            return watch
        # Judge only executions known to exist before the poll is sent.
        started = [item for item in items if item.arn is not None and item.final_at is None]
        try:
            running = _running(sfn, state_machine_arn)
        except Exception as error:  # a poll that failed is repeated; counted and shown
            watch.poll_errors[type(error).__name__] += 1
            time.sleep(POLL_INTERVAL_S)
            continue
        answered = time.perf_counter()
        watch.polls += 1
        for item in started:
            if item.arn not in running:
                item.final_at = answered
        time.sleep(POLL_INTERVAL_S)


def _describe(sfn: Any, item: Tracked) -> None:
    if item.arn is None:
        return
    described = sfn.describe_execution(executionArn=item.arn)
    item.status = described["status"]
    item.server_started, item.server_stopped = described.get("startDate"), described.get("stopDate")
    if item.kind == TRIVIAL:
        item.outcome = item.status
        return
    try:
        item.outcome = json.loads(described.get("output") or "{}").get("status") or item.status
    except ValueError:
        item.outcome = item.status


@dataclass
class Batch:
    """One run of executions: what was started, how it ended, and when."""

    label: str
    items: list[Tracked]
    watch: Watch
    decisions: Counter[str] = field(default_factory=Counter)
    sandbox_cpu_s: float | None = None
    client_cpu_s: float | None = None

    @property
    def first_start(self) -> float | None:
        times = [item.started_at for item in self.items if item.started_at is not None]
        return min(times) if times else None

    @property
    def last_final(self) -> float | None:
        times = [item.final_at for item in self.items if item.final_at is not None]
        return max(times) if times else None

    @property
    def final(self) -> int:
        return sum(item.final_at is not None for item in self.items)

    @property
    def seconds(self) -> float | None:
        if self.first_start is None or self.last_final is None:
            return None
        return self.last_final - self.first_start

    @property
    def per_second(self) -> float | None:
        seconds = self.seconds
        return self.final / seconds if seconds else None

    @property
    def server_per_second(self) -> float | None:
        """The same rate on the emulator's clock: executions stopped / (first startDate → last stopDate)."""
        started = [item.server_started for item in self.items if item.server_started is not None]
        stopped = [item.server_stopped for item in self.items if item.server_stopped is not None]
        if not started or not stopped:
            return None
        seconds = (max(stopped) - min(started)).total_seconds()
        return len(stopped) / seconds if seconds > 0 else None

    def latencies(self, kind: str) -> list[float]:
        return [item.seconds_to_final for item in self.items if item.kind == kind and item.seconds_to_final]

    def outcomes(self) -> Counter[tuple[str, str]]:
        return Counter((item.kind, str(item.outcome)) for item in self.items)

    def as_expected(self) -> int:
        return sum(item.outcome == EXPECTED_OUTCOME[item.kind] for item in self.items)


def run_batch(
    label: str,
    sandbox: SandboxProcess,
    sfn: Any,
    state_machine_arn: str,
    items: list[Tracked],
    *,
    timeout: float,
    while_running: Callable[[], Any] | None = None,
) -> Batch:
    """Start every item on a pool of START_WORKERS threads, watch them to the end, read their outcome."""
    sandbox_cpu, client_cpu = sandbox.cpu_seconds(), time.process_time()
    with ThreadPoolExecutor(START_WORKERS, thread_name_prefix="start") as pool:
        for item in items:
            pool.submit(_start, sfn, state_machine_arn, item)
        stop = while_running() if while_running else None
        watch = watch_until_final(sfn, state_machine_arn, items, timeout)
        if stop is not None:
            stop()
    sandbox_cpu_after, client_cpu_after = sandbox.cpu_seconds(), time.process_time()
    with ThreadPoolExecutor(START_WORKERS, thread_name_prefix="describe") as pool:
        list(pool.map(lambda item: _describe(sfn, item), items))
    return Batch(
        label,
        items,
        watch,
        sandbox_cpu_s=None
        if sandbox_cpu is None or sandbox_cpu_after is None
        else sandbox_cpu_after - sandbox_cpu,
        client_cpu_s=client_cpu_after - client_cpu,
    )


# ----- the owner: outbox and decision links ------------------------------------------------------


def _get(url: str, timeout: float = 10.0) -> tuple[int, str]:
    try:
        with _http.open(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _decide(item: Tracked, link: str, counts: Counter[str], lock: threading.Lock) -> None:
    """Open the link's confirmation page, then press its button: POST the form, as a browser does."""
    action = "approve" if item.kind == APPROVE else "deny"
    try:
        status, _ = _get(link)
        if status != 200:
            raise RuntimeError(f"confirmation page answered {status}")
        parts = urllib.parse.urlsplit(link)
        secret = dict(urllib.parse.parse_qsl(parts.query)).get("secret", "")
        form = urllib.parse.urlencode(
            {"secret": secret, "action": action, "approver": "load-test owner", "comment": ""}
        ).encode("ascii")
        post = urllib.request.Request(
            urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        item.decision_posted_at = time.perf_counter()
        try:
            with _http.open(post, timeout=10) as response:
                item.decision_http_status = response.status
                response.read()
        except urllib.error.HTTPError as error:
            item.decision_http_status = error.code
    except Exception as error:  # reported, never raised
        item.decision_error = f"{type(error).__name__}: {error}"
    with lock:
        counts[f"{action} {item.decision_http_status or item.decision_error}"] += 1


class Owner:
    """Reads the outbox and decides each awaited request once, on a pool of DECISION_WORKERS threads."""

    def __init__(self, outbox_json_url: str, items: Sequence[Tracked], counts: Counter[str]) -> None:
        self._url = outbox_json_url
        self._awaited = {item.name: item for item in items if item.kind in (APPROVE, DENY)}
        self._counts = counts
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(DECISION_WORKERS, thread_name_prefix="owner")
        self._thread = threading.Thread(target=self._read_outbox, name="outbox", daemon=True)
        self.outbox_reads = 0
        self.outbox_errors = 0

    def start(self) -> Callable[[], None]:
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
        self._pool.shutdown(wait=True)

    def _read_outbox(self) -> None:
        deadline = time.monotonic() + MIXED_TIMEOUT_S
        while self._awaited and not self._stop.is_set() and time.monotonic() < deadline:
            try:
                status, text = _get(self._url)
                messages = json.loads(text)["messages"] if status == 200 else []
                self.outbox_reads += 1
            except Exception:  # counted; the next read tries again
                self.outbox_errors += 1
                messages = []
            for message in messages:
                if message.get("kind") != "approval email":
                    continue
                found = _REQUEST_ID.search(message.get("body") or "")
                item = self._awaited.pop(found.group(1), None) if found else None
                if item is None:
                    continue
                links = dict(_LINK.findall(message["body"]))
                link = links.get("Approve" if item.kind == APPROVE else "Deny", "")
                self._pool.submit(_decide, item, link, self._counts, self._lock)
            self._stop.wait(OUTBOX_INTERVAL_S)


# ----- what the load left behind -------------------------------------------------------------------


@dataclass
class Check:
    what: str
    met: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.what, "met": self.met, "detail": self.detail}


def _ledger(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    dynamodb = _client(info, "dynamodb")
    records = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=info["ledger_table"]):
        for item in page.get("Items", []):
            records.append({name: _deserializer.deserialize(value) for name, value in item.items()})
    return records


def _permissions(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    lakeformation = _client(info, "lakeformation")
    entries: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(1000):
        page = lakeformation.list_permissions(**({"NextToken": token} if token else {}))
        entries += page.get("PrincipalResourcePermissions", [])
        token = page.get("NextToken")
        if not token:
            break
    return entries


def check_mixed(info: Mapping[str, Any], batch: Batch) -> list[Check]:
    items = batch.items
    by_name = {item.name: item for item in items}
    checks = [
        Check(
            f"all {len(items)} executions reached a final state",
            batch.final == len(items) and not batch.watch.timed_out,
            f"{batch.final}/{len(items)} final"
            + (
                f"; {sum(item.start_error is not None for item in items)} failed to start"
                if any(item.start_error for item in items)
                else ""
            ),
        ),
        Check(
            "each outcome as expected (auto-share and approved GRANTED, denied DENIED)",
            batch.as_expected() == len(items),
            ", ".join(
                f"{kind} → {outcome}: {count}" for (kind, outcome), count in sorted(batch.outcomes().items())
            ),
        ),
    ]
    records = _ledger(info)
    statuses = Counter(str(record.get("status")) for record in records)
    names = {str(record.get("request_id")) for record in records}
    checks.append(
        Check(
            f"ledger holds exactly {len(items)} records, one per request, all final",
            len(records) == len(items)
            and names == set(by_name)
            and all(status in FINAL_LEDGER_STATUSES for status in statuses.elements()),
            f"{len(records)} records ("
            + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))
            + ")",
        )
    )
    twice = [
        str(record.get("request_id"))
        for record in records
        if sum(entry.get("status") == "GRANTED" for entry in record.get("history") or []) > 1
    ]
    checks.append(
        Check(
            "no ledger record was granted twice (GRANTED history entries per record ≤ 1)",
            not twice,
            f"{len(twice)} records with more than one" + (f": {', '.join(twice[:5])}" if twice else ""),
        )
    )
    entries = _permissions(info)
    keys = Counter(
        (
            json.dumps(entry.get("Principal"), sort_keys=True),
            json.dumps(entry.get("Resource"), sort_keys=True),
        )
        for entry in entries
    )
    duplicates = sum(count - 1 for count in keys.values() if count > 1)
    checks.append(
        Check(
            "Lake Formation list_permissions has no duplicate (principal, resource) entry",
            duplicates == 0,
            f"{len(entries)} entries, {duplicates} duplicates",
        )
    )
    granted = [record for record in records if record.get("status") == "GRANTED"]
    approved = sum(item.kind == APPROVE and item.decision_http_status == 200 for item in items)
    auto_shared = sum(item.kind == AUTO_SHARE for item in items)
    checks.append(
        Check(
            "GRANTED records = approved + auto-shared requests",
            len(granted) == approved + auto_shared,
            f"{len(granted)} GRANTED; {approved} approved + {auto_shared} auto-shared",
        )
    )
    per_principal = Counter(
        str((entry.get("Principal") or {}).get("DataLakePrincipalIdentifier")) for entry in entries
    )
    expected_principals = {
        by_name[str(record["request_id"])].principal
        for record in granted
        if str(record.get("request_id")) in by_name
    }
    unexpected = set(per_principal) - expected_principals
    missing = expected_principals - set(per_principal)
    repeated = [principal for principal, count in per_principal.items() if count > 1]
    checks.append(
        Check(
            "grants go to exactly the GRANTED requests' principals, one entry each",
            not unexpected and not missing and not repeated,
            f"{len(per_principal)} principals with permissions; {len(missing)} missing, "
            f"{len(unexpected)} unexpected, {len(repeated)} with more than one entry",
        )
    )
    return checks


# ----- the two parts -------------------------------------------------------------------------------


def _percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


def _summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50_s": _percentile(values, 0.50),
        "p95_s": _percentile(values, 0.95),
        "max_s": max(values) if values else None,
        "mean_s": statistics.fmean(values) if values else None,
    }


def run_mixed(progress: Progress) -> dict[str, Any]:
    progress(f"load: starting a sandbox for the mixed load of {REQUESTS} requests")
    with sandbox_process() as sandbox:
        info = sandbox.info
        sfn = _client(info, "stepfunctions")
        items = mixed_requests("load", info["accounts"]["consumer"])
        counts: Counter[str] = Counter()
        owner = Owner(info["outbox_json_url"], items, counts)
        progress(f"load: {REQUESTS} requests on {START_WORKERS} threads, owner deciding through the links")
        batch = run_batch(
            "mixed",
            sandbox,
            sfn,
            info["state_machine_arn"],
            items,
            timeout=MIXED_TIMEOUT_S,
            while_running=owner.start,
        )
        batch.decisions = counts
        progress(f"load: {batch.final}/{REQUESTS} final; checking the ledger and Lake Formation")
        try:
            checks = check_mixed(info, batch)
        except Exception as error:  # shown as a missed check, never raised
            checks = [Check("read the ledger and Lake Formation", False, f"{type(error).__name__}: {error}")]
    approved_to_grant = [
        value
        for item in items
        if item.kind == APPROVE and item.outcome == "GRANTED"
        for value in [item.seconds_from_decision]
        if value is not None
    ]
    denied_to_final = [
        value
        for item in items
        if item.kind == DENY and item.outcome == "DENIED"
        for value in [item.seconds_from_decision]
        if value is not None
    ]
    return {
        "requests": REQUESTS,
        "kinds": dict(Counter(item.kind for item in items)),
        "seconds": batch.seconds,
        "requests_per_second": batch.per_second,
        "server_clock_requests_per_second": batch.server_per_second,
        "auto_share_start_to_final": _summary(batch.latencies(AUTO_SHARE)),
        "approval_post_to_granted": _summary(approved_to_grant),
        "deny_post_to_denied": _summary(denied_to_final),
        "sensitive_start_to_final": _summary(batch.latencies(APPROVE) + batch.latencies(DENY)),
        "decisions": dict(counts),
        "outbox_reads": owner.outbox_reads,
        "outbox_read_errors": owner.outbox_errors,
        "polls": batch.watch.polls,
        "mean_poll_period_s": batch.watch.mean_poll_period_s,
        "poll_errors": dict(batch.watch.poll_errors),
        "timed_out": batch.watch.timed_out,
        "sandbox_cpu_s": batch.sandbox_cpu_s,
        "client_cpu_s": batch.client_cpu_s,
        "checks": [check.to_json() for check in checks],
        "failures": [
            {
                "name": item.name,
                "kind": item.kind,
                "status": item.status,
                "outcome": item.outcome,
                "start_error": item.start_error,
                "decision_error": item.decision_error,
            }
            for item in items
            if item.outcome != EXPECTED_OUTCOME[item.kind]
        ][:10],
    }


def _batch_json(batch: Batch, kind: str) -> dict[str, Any]:
    return {
        "label": batch.label,
        "executions": len(batch.items),
        "final": batch.final,
        "as_expected": batch.as_expected(),
        "seconds": batch.seconds,
        "per_second": batch.per_second,
        "server_clock_per_second": batch.server_per_second,
        "start_to_final": _summary(batch.latencies(kind)),
        "polls": batch.watch.polls,
        "mean_poll_period_s": batch.watch.mean_poll_period_s,
        "poll_errors": dict(batch.watch.poll_errors),
        "timed_out": batch.watch.timed_out,
        "sandbox_cpu_s": batch.sandbox_cpu_s,
        "sandbox_cpu_per_execution_ms": (
            batch.sandbox_cpu_s * 1000 / len(batch.items) if batch.sandbox_cpu_s is not None else None
        ),
        "client_cpu_s": batch.client_cpu_s,
    }


def run_throughput(progress: Progress) -> dict[str, Any]:
    progress("load: starting a fresh sandbox for the throughput comparison")
    with sandbox_process() as sandbox:
        info = sandbox.info
        sfn = _client(info, "stepfunctions")
        consumer = info["accounts"]["consumer"]
        role = sfn.describe_state_machine(stateMachineArn=info["state_machine_arn"])["roleArn"]
        trivial_arn = sfn.create_state_machine(
            name="bench-trivial", definition=json.dumps(TRIVIAL_DEFINITION), roleArn=role
        )["stateMachineArn"]
        batches = []
        for label, machine, run, kind in (
            ("trivial (before)", trivial_arn, "trivial-a", TRIVIAL),
            ("lakegate auto-share", info["state_machine_arn"], "auto", AUTO_SHARE),
            ("trivial (after)", trivial_arn, "trivial-b", TRIVIAL),
        ):
            progress(f"load: {label}: {REQUESTS} executions on {START_WORKERS} threads")
            items = auto_share_requests(run, consumer, kind)
            batches.append(run_batch(label, sandbox, sfn, machine, items, timeout=THROUGHPUT_TIMEOUT_S))
    trivial_rates = [rate for rate in (batches[0].per_second, batches[2].per_second) if rate]
    lakegate_rate = batches[1].per_second
    baseline = statistics.fmean(trivial_rates) if len(trivial_rates) == 2 else None
    ratio = lakegate_rate / baseline if lakegate_rate and baseline else None
    server_rates = [rate for rate in (batches[0].server_per_second, batches[2].server_per_second) if rate]
    server_lakegate = batches[1].server_per_second
    server_ratio = (
        server_lakegate / statistics.fmean(server_rates)
        if server_lakegate and len(server_rates) == 2
        else None
    )
    return {
        "runs": [
            _batch_json(batch, TRIVIAL if batch.label.startswith("trivial") else AUTO_SHARE)
            for batch in batches
        ],
        "trivial_per_second_mean": baseline,
        "lakegate_auto_share_per_second": lakegate_rate,
        "ratio": ratio,
        "server_clock_ratio": server_ratio,
        "ratio_target_min": RATIO_TARGET,
        "met": ratio is not None and ratio >= RATIO_TARGET and all(b.final == REQUESTS for b in batches),
    }


def measure_load(progress: Progress) -> dict[str, Any]:
    started = time.perf_counter()
    mixed = run_mixed(progress)
    throughput = run_throughput(progress)
    return {
        "workers": START_WORKERS,
        "decision_workers": DECISION_WORKERS,
        "poll_interval_s": POLL_INTERVAL_S,
        "outbox_interval_s": OUTBOX_INTERVAL_S,
        "mixed": mixed,
        "throughput": throughput,
        "elapsed_s": time.perf_counter() - started,
    }


# ----- output ------------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}/s"


def render_load(load: Mapping[str, Any], table: Callable[..., str]) -> str:
    mixed, throughput = load["mixed"], load["throughput"]
    kinds = mixed["kinds"]
    decisions = ", ".join(f"{name}: {count}" for name, count in sorted(mixed["decisions"].items()))
    out = [
        f"4. LOAD — {mixed['requests']} requests started at once ({load['workers']} threads, one boto3 "
        "client) against the sandbox in its own process",
        "",
        f"Mixed load: {kinds.get(AUTO_SHARE, 0)} auto-share (sales), {kinds.get(APPROVE, 0)} approved and "
        f"{kinds.get(DENY, 0)} denied (customers) by the owner",
        f"through the email links ({load['decision_workers']} threads: GET the link, POST the form).",
        "",
        table(
            ["check", "", "detail"],
            [[check["check"], mark(check["met"]), check["detail"]] for check in mixed["checks"]],
        ),
        "",
    ]
    server_rate = _rate(mixed["server_clock_requests_per_second"])
    auto, approval, deny = (
        mixed["auto_share_start_to_final"],
        mixed["approval_post_to_granted"],
        mixed["deny_post_to_denied"],
    )
    rows = [
        [
            f"requests per second ({mixed['requests']} / first start → last final)",
            _rate(mixed["requests_per_second"]),
            "",
            f"over {_seconds(mixed['seconds'])}; emulator clock {server_rate}",
        ],
        ["auto-share: start → final", _seconds(auto["p50_s"]), _seconds(auto["p95_s"]), f"n={auto['count']}"],
        [
            "approval POST → GRANTED",
            _seconds(approval["p50_s"]),
            _seconds(approval["p95_s"]),
            f"n={approval['count']}",
        ],
        ["deny POST → DENIED", _seconds(deny["p50_s"]), _seconds(deny["p95_s"]), f"n={deny['count']}"],
    ]
    out.append(table(["measure", "p50 / value", "p95", ""], rows, right=(1, 2)))
    out += [
        "",
        f"Ends are seen by polling ListExecutions(RUNNING), waiting {load['poll_interval_s'] * 1000:.0f} ms "
        f"between polls: {mixed['polls']} polls,",
        f"one every {_seconds(mixed['mean_poll_period_s'])} on average as the busy sandbox answered "
        f"(poll errors: {mixed['poll_errors'] or 'none'}). A final time is",
        "when the first answer without the execution arrived, so it is late by up to one poll period.",
        "POST time is taken just before the form is sent.",
        f"Outbox read every {load['outbox_interval_s']:.1f} s at most ({mixed['outbox_reads']} reads); "
        f"decision answers: {decisions}.",
        f"CPU used during the run: sandbox {_seconds(mixed['sandbox_cpu_s'])}, "
        f"this client {_seconds(mixed['client_cpu_s'])}.",
    ]
    if mixed["failures"]:
        out += ["", "Unexpected outcomes (first 10):"]
        out += [f"  {failure}" for failure in mixed["failures"]]
    out += [
        "",
        f"Throughput against the emulator (a fresh sandbox; {mixed['requests']} executions each, same "
        "client, threads, polling and inputs):",
        "",
    ]
    rows = [
        [
            run["label"],
            f"{run['final']}/{run['executions']}",
            _seconds(run["seconds"]),
            _rate(run["per_second"]),
            _rate(run["server_clock_per_second"]),
            _seconds(run["start_to_final"]["p50_s"]),
            _seconds(run["start_to_final"]["p95_s"]),
            "—"
            if run["sandbox_cpu_per_execution_ms"] is None
            else f"{run['sandbox_cpu_per_execution_ms']:.1f} ms",
            _seconds(run["mean_poll_period_s"]),
        ]
        for run in throughput["runs"]
    ]
    out.append(
        table(
            [
                "state machine",
                "final",
                "first start → last final",
                "per second",
                "(emulator clock)",
                "p50",
                "p95",
                "sandbox CPU / execution",
                "poll period",
            ],
            rows,
            right=(1, 2, 3, 4, 5, 6, 7, 8),
        )
    )
    ratio = throughput["ratio"]
    out += [
        "",
        "lakegate auto-share / trivial (mean of before and after): "
        f"{'—' if ratio is None else f'{ratio:.2f}'}  target ≥ {throughput['ratio_target_min']} "
        f"{mark(throughput['met'])}"
        + (
            f"  (on the emulator's clock: {throughput['server_clock_ratio']:.2f})"
            if throughput["server_clock_ratio"] is not None
            else ""
        ),
        "",
        "trivial = Pass → Pass → Succeed, no Lambda. p50 / p95 = start → final per execution: all "
        f"{mixed['requests']} run at once",
        "and share the sandbox's one interpreter, so each takes about as long as the whole run.",
        "(emulator clock) = executions / (first startDate → last stopDate) from DescribeExecution, in",
        "milliseconds, free of the poll period. Sandbox CPU is read from /proc before and after each run.",
        f"This section took {load['elapsed_s']:.0f} s.",
    ]
    return "\n".join(out)
