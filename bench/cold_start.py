"""Section 3 of the benchmark: each handler's cold-start import time in a fresh process, against boto3's."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import REGION, mark, progress, table
from lakegate.core import manifest

COLD_START_TARGET = 1.3
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
    manifest.CENTRAL_ACCOUNT_ID: "123456789012",
    manifest.CONSUMER_ACCOUNT_IDS: "444455556666",
    manifest.PRODUCER_ACCOUNT_IDS: "222222222222",
    manifest.REQUESTER_KEY_ID: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
}


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
