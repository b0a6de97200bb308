"""cfn-lint on the templates the CDK CLI synthesized (every variant) and asl-validator on the rendered
state machine definition."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lakegate.core import manifest
from tests.infra.synth import Assembly

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
# Installed with the dev requirements, next to the interpreter running the tests.
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
ASL_VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"
# W3005: CDK emits DependsOn entries that are also implied by Ref/GetAtt; harmless and not ours to change.
CFN_LINT_IGNORED = ["W3005"]


def test_every_variants_templates_pass_cfn_lint(assemblies: dict[str, Assembly]) -> None:
    templates = [path for assembly in assemblies.values() for path in assembly.template_paths()]
    assert len(templates) == 3 * len(assemblies)  # central, producer, consumer of each variant

    result = subprocess.run(
        [str(CFN_LINT), "--ignore-checks", *CFN_LINT_IGNORED, "--", *map(str, templates)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    not ASL_VALIDATOR.exists(), reason="node_modules is absent: run `npm ci` to get asl-validator"
)
def test_rendered_definition_passes_asl_validator(tmp_path: Path) -> None:
    arns = {
        placeholder: f"arn:aws:lambda:eu-west-1:111111111111:function:lakegate-{key}"
        for placeholder, key in manifest.PLACEHOLDERS.items()
    }
    definition = tmp_path / "access_request.json"
    definition.write_text(manifest.render_definition(arns), encoding="utf-8")
    json.loads(definition.read_text(encoding="utf-8"))  # rendered placeholders keep it JSON

    result = subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(definition)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
