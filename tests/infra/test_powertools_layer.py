"""Every function runs the Powertools layer of the release lambdas/requirements.txt pins (the tests' one)."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks import functions

pytestmark = pytest.mark.infra

REQUIREMENTS = Path(__file__).resolve().parents[2] / "lambdas" / "requirements.txt"
LAYER_PARAMETER_PREFIX = "/aws/service/powertools/python/"


def pinned_in_requirements() -> str:
    """The ``==`` version of aws-lambda-powertools in lambdas/requirements.txt, read here on its own."""
    (pinned,) = (
        match["version"]
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if (match := re.fullmatch(r"aws-lambda-powertools(\[[a-z,\s]*\])?==(?P<version>\S+)", line.strip()))
    )
    return pinned


def python_functions(template: Template) -> dict[str, Any]:
    """Every Python function of a template (CDK's helper functions in other languages load no Powertools)."""
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template.find_resources("AWS::Lambda::Function").items()
        if str(resource["Properties"].get("Runtime", "")).startswith("python")
    }


def layer_parameters(template: Template) -> dict[str, str]:
    """The template's parameters resolving one of AWS's public Powertools parameters: logical id -> name."""
    return {
        logical_id: parameter["Default"]
        for logical_id, parameter in template.to_json().get("Parameters", {}).items()
        if str(parameter.get("Default", "")).startswith(LAYER_PARAMETER_PREFIX)
    }


@pytest.fixture(scope="module")
def templates(
    central_template: Template, producer_template: Template, consumer_template: Template
) -> dict[str, Template]:
    return {"central": central_template, "producer": producer_template, "consumer": consumer_template}


def test_the_tests_run_the_powertools_release_requirements_pin() -> None:
    pinned = pinned_in_requirements()

    stated, parameter = functions.POWERTOOLS_VERSION, functions.POWERTOOLS_LAYER_PARAMETER

    assert version("aws-lambda-powertools") == pinned
    assert stated == pinned
    assert parameter == f"/aws/service/powertools/python/x86_64/python3.12/{pinned}"


def test_every_function_in_every_stack_runs_the_pinned_layer(templates: dict[str, Template]) -> None:
    expected = f"/aws/service/powertools/python/x86_64/python3.12/{pinned_in_requirements()}"

    checked = 0
    for stack, template in templates.items():
        parameters = layer_parameters(template)
        # No other Powertools parameter (``latest``, another release) is left in any stack.
        assert set(parameters.values()) <= {expected}, stack
        for logical_id, properties in python_functions(template).items():
            assert properties["Runtime"] == "python3.12", (stack, logical_id)
            assert properties["Architectures"] == ["x86_64"], (stack, logical_id)
            (layer,) = properties["Layers"]
            assert parameters.get(layer.get("Ref")) == expected, (stack, logical_id, layer)
            checked += 1
    # The central stack's workflow, report and bridge functions and the consumer's acceptance function.
    assert python_functions(templates["central"]) and python_functions(templates["consumer"])
    assert checked == sum(len(python_functions(template)) for template in templates.values())


def test_the_layer_parameter_is_resolved_by_cloudformation_at_deploy(templates: dict[str, Template]) -> None:
    for stack in ("central", "consumer"):
        parameters = templates[stack].to_json()["Parameters"]
        (logical_id,) = layer_parameters(templates[stack])
        assert parameters[logical_id]["Type"] == "AWS::SSM::Parameter::Value<String>", stack


@pytest.mark.parametrize(
    "text",
    [
        "aws-lambda-powertools[tracer]>=3.37.0\n",
        "boto3==1.40.0\n",
        "aws-lambda-powertools==3.37.0\naws-lambda-powertools[tracer]==3.37.0\n",
    ],
)
def test_a_requirements_file_without_one_exact_pin_fails_the_synth(tmp_path: Path, text: str) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(text, encoding="utf-8")

    with pytest.raises(ValueError, match="exactly once with =="):
        functions.pinned_powertools_version(requirements)


def test_the_pin_is_read_whatever_the_spelling_of_the_name(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# layer\nAWS_Lambda.Powertools[tracer] == 3.1.0  # note\nboto3==1.40.0\n")

    assert functions.pinned_powertools_version(requirements) == "3.1.0"
