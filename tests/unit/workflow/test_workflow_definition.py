"""The ASL file, the function list and the handlers agree with each other."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from lakegate.core import manifest

DEFINITION: dict[str, Any] = json.loads(manifest.DEFINITION_PATH.read_text(encoding="utf-8"))
TASKS = {name: state for name, state in DEFINITION["States"].items() if state["Type"] == "Task"}
DUMMY_ARNS = {
    spec.key: f"arn:aws:lambda:us-east-1:123456789012:function:{spec.key}" for spec in manifest.FUNCTIONS
}


EXPIRY: dict[str, Any] = json.loads(manifest.EXPIRY_DEFINITION_PATH.read_text(encoding="utf-8"))
REMINDER: dict[str, Any] = json.loads(manifest.REMINDER_DEFINITION_PATH.read_text(encoding="utf-8"))


def test_the_placeholders_in_the_asl_are_exactly_the_listed_ones() -> None:
    assert manifest.placeholders_in_definition() == set(manifest.PLACEHOLDERS)


@pytest.mark.parametrize("definition", manifest.DEFINITIONS, ids=lambda definition: definition.key)
def test_each_definitions_placeholders_are_exactly_its_listed_ones_and_name_functions(
    definition: manifest.Definition,
) -> None:
    assert definition.placeholders_in_file() == set(definition.placeholders)
    assert set(definition.placeholders.values()) <= set(manifest.FUNCTIONS_BY_KEY)
    rendered = json.loads(definition.render(definition.substitutions(DUMMY_ARNS)))
    assert "${" not in json.dumps(rendered)


def test_the_definitions_are_the_access_request_the_access_expiry_and_the_reminder_files() -> None:
    assert [definition.key for definition in manifest.DEFINITIONS] == [
        "access_request",
        "access_expiry",
        "access_reminder",
    ]
    assert manifest.ACCESS_REMINDER.placeholders == {"RequestApprovalFunctionArn": "request_approval"}
    assert manifest.ACCESS_REQUEST.path == manifest.DEFINITION_PATH
    assert manifest.ACCESS_REQUEST.placeholders == manifest.PLACEHOLDERS
    assert manifest.ACCESS_EXPIRY.placeholders == {"RevokeAccessFunctionArn": "revoke_access"}


def test_the_expiry_machine_waits_for_the_expiry_then_revokes_as_lakegate_with_the_reason() -> None:
    assert EXPIRY["StartAt"] == "Wait until access expires"
    wait = EXPIRY["States"]["Wait until access expires"]
    assert (wait["Type"], wait["TimestampPath"], wait["Next"]) == ("Wait", "$.expires_at", "Revoke access")
    revoke = EXPIRY["States"]["Revoke access"]
    assert revoke["Type"] == "Task" and revoke["End"] is True
    assert revoke["Parameters"] == {"request_id.$": "$.request_id", "by": "lakegate", "reason.$": "$.reason"}
    rendered = json.loads(manifest.ACCESS_EXPIRY.render({"RevokeAccessFunctionArn": "arn:revoke"}))
    assert rendered["States"]["Revoke access"]["Resource"] == "arn:revoke"
    # The same transient retry as every task of the access-request workflow.
    assert revoke["Retry"] == TASKS["Grant access"]["Retry"]


def test_rendering_replaces_every_placeholder_with_its_functions_arn() -> None:
    rendered = json.loads(manifest.render_definition(manifest.substitutions(DUMMY_ARNS)))
    assert rendered["States"]["Evaluate the request"]["Resource"] == DUMMY_ARNS["evaluate_request"]
    assert (
        rendered["States"]["Ask the data owner"]["Parameters"]["FunctionName"]
        == DUMMY_ARNS["request_approval"]
    )
    assert "${" not in json.dumps(rendered)


def test_substitutions_refuse_a_missing_function() -> None:
    with pytest.raises(KeyError, match="grant_access"):
        manifest.substitutions({key: arn for key, arn in DUMMY_ARNS.items() if key != "grant_access"})


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_retries_transient_errors_with_backoff(name: str) -> None:
    (retry,) = TASKS[name]["Retry"]
    assert "TransientAwsError" in retry["ErrorEquals"]
    assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"]
    assert retry["BackoffRate"] > 1 and retry["MaxAttempts"] >= 3


@pytest.mark.parametrize("name", sorted(set(TASKS) - {"Record the failure"}))
def test_every_failure_is_caught_and_recorded(name: str) -> None:
    catch_all = [catch for catch in TASKS[name]["Catch"] if catch["ErrorEquals"] == ["States.ALL"]]
    assert catch_all
    reached = catch_all[0]["Next"]
    while DEFINITION["States"][reached]["Type"] == "Pass":  # a Pass may move the error into place
        reached = DEFINITION["States"][reached]["Next"]
    assert reached == "Record the failure"


def test_the_failure_path_ends_with_the_recorded_error_name_and_cause() -> None:
    assert DEFINITION["States"]["Record the failure"]["Next"] == "Fail with the named error"
    assert DEFINITION["States"]["Fail with the named error"] == {
        "Type": "Fail",
        "ErrorPath": "$.error",
        "CausePath": "$.cause",
    }


def test_the_approval_wait_uses_the_timeout_the_evaluation_computed_and_expiry_concludes() -> None:
    ask = TASKS["Ask the data owner"]
    assert ask["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert ask["TimeoutSecondsPath"] == "$.evaluation.approval_timeout_seconds"
    assert ask["Catch"][0] == {
        "ErrorEquals": ["States.Timeout"],
        "ResultPath": "$.timeout",
        "Next": "Conclude the request",
    }


@pytest.mark.parametrize("spec", manifest.FUNCTIONS, ids=lambda spec: spec.key)
def test_each_handler_reads_exactly_the_environment_its_function_declares(
    spec: manifest.FunctionSpec,
) -> None:
    module, _, function = spec.handler.rpartition(".")
    source = (manifest.LAMBDAS_DIR / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    read = set(re.findall(r'settings\.(?:required|required_int|optional)\("([A-Z_]+)"[,)]', source)) - {
        "AWS_REGION"
    }
    if "mesh_from_environment()" in source:  # lakegate.requests.mesh reads the mesh's members
        read |= set(manifest.MESH_MEMBERS)
    assert read == set(spec.environment)
    assert f"def {function}(" in source
    # lakegate/handlers/__init__ pauses garbage collection while handlers load; each must resume it.
    assert source.rstrip().endswith("\nloaded()")


def test_the_reminder_machine_waits_for_the_reminder_time_then_calls_request_approvals_reminder_mode() -> (
    None
):
    assert REMINDER["StartAt"] == "Wait until the reminder time"
    wait = REMINDER["States"]["Wait until the reminder time"]
    assert (wait["Type"], wait["TimestampPath"], wait["Next"]) == (
        "Wait",
        "$.remind_at",
        "Remind the data owner",
    )
    remind = REMINDER["States"]["Remind the data owner"]
    assert remind["Type"] == "Task" and remind["End"] is True
    assert remind["Parameters"] == {"request_id.$": "$.request_id", "reminder": True}
    assert remind["Retry"] == TASKS["Grant access"]["Retry"]
    spec = manifest.FUNCTIONS_BY_KEY["request_approval"]
    assert {manifest.APPROVAL_REMINDER_SECONDS, manifest.REMINDER_STATE_MACHINE_ARN} <= set(spec.environment)
