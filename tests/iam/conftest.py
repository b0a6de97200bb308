"""The templates the coverage check reads (the FULL variant, through the CDK CLI), and what was recorded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakegate_offline.call_recorder import LOG_VARIABLE
from tests.conftest import RECORDING_COLLECTED
from tests.iam import authorization
from tests.iam.checker import Checker
from tests.iam.recorded import RecordedCall, read_calls
from tests.iam.scenario import run_representative_scenario
from tests.iam.templates import Templates
from tests.infra.app_context import FULL, every_variant
from tests.infra.synth import session_assemblies

# The tests whose calls, together, are meant to exercise every permission of every function.
COMPLETE_RECORDING = frozenset({"workflow", "integration", "sandbox"})


@dataclass(frozen=True)
class Recording:
    calls: list[RecordedCall]
    missing: frozenset[str]  # markers of the recording tests this run did not collect

    @property
    def complete(self) -> bool:
        return not self.missing

    def incomplete_reason(self) -> str:
        return (
            f"this run did not include the {', '.join(sorted(self.missing))} tests, whose calls show what "
            "each role needs; run the whole suite (python -m pytest)"
        )


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    assemblies = session_assemblies(every_variant(), tmp_path_factory.mktemp("cdk.out"))
    return Templates.from_assembly(assemblies[FULL.name].directory)


@pytest.fixture(scope="session")
def checker(templates: Templates) -> Checker:
    return Checker(templates, authorization.load())


@pytest.fixture(scope="session")
def recording(request: pytest.FixtureRequest) -> Recording:
    """Every call recorded in this run; a representative scenario's when the run recorded none."""
    path = Path(os.environ[LOG_VARIABLE])
    collected = request.config.stash.get(RECORDING_COLLECTED, frozenset())
    calls = read_calls(path)
    if not calls:
        run_representative_scenario()
        calls = read_calls(path)
    return Recording(calls, COMPLETE_RECORDING - collected)
