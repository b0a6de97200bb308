"""Every AWS call a function made in this run, against its role in the synthesized templates.

These run last (the ``iam_coverage`` marker): the workflow, integration, CLI and sandbox tests before them
have the functions make their calls, which ``lakegate_offline.call_recorder`` wrote down. A call no statement
allows fails here with the function, the action and the resource, instead of as AccessDenied after deploy;
an action a role allows that no call needed fails too, unless ``stacks/indirect_permissions.py`` says why
it stays.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from lakegate.core import manifest
from stacks.indirect_permissions import EVERY_FUNCTION, EVERY_STATE_MACHINE, INDIRECT_PERMISSIONS, kept
from tests.iam.checker import Checker, Finding
from tests.iam.conftest import Recording
from tests.iam.policy import wildcard_match
from tests.iam.templates import Templates, as_list

pytestmark = pytest.mark.iam_coverage


def listing(items: Any) -> str:
    return "\n  ".join(str(item) for item in sorted(items))


@dataclass(frozen=True)
class DeniedOnPurpose:
    """A call a test makes knowing AWS refuses it: the handler, the action and a resource pattern."""

    handler: str
    action: str
    resource: str
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (
            finding.function == self.handler
            and finding.action == self.action
            and wildcard_match(self.resource, finding.resource)
        )


DENIED_ON_PURPOSE = (
    DeniedOnPurpose(
        handler=manifest.FUNCTIONS_BY_KEY["request_approval"].handler,
        action="sts:AssumeRole",
        resource="arn:aws:iam::333333333333:role/*",
        reason="tests/workflow/test_status_events.py asks the owner in a producer account of its mesh that "
        "never deployed the producer stack, and that the synthesized variant does not list in "
        "producer_account_ids. The role may assume the producer role only in those accounts, so AWS refuses "
        "it, and the request fails with ApprovalRequestFailed, as the test expects.",
    ),
)


def test_every_call_each_function_made_is_allowed_by_its_role(checker: Checker, recording: Recording) -> None:
    coverage = checker.check(recording.calls)
    refused = {
        finding
        for finding in coverage.findings
        if not any(denied.covers(finding) for denied in DENIED_ON_PURPOSE)
    }
    assert not refused, f"calls the templates do not allow:\n  {listing(refused)}"


def test_every_call_denied_on_purpose_is_still_made_and_still_denied(
    checker: Checker, recording: Recording
) -> None:
    if not recording.complete:
        pytest.skip(recording.incomplete_reason())
    findings = checker.check(recording.calls).findings
    stale = [
        denied for denied in DENIED_ON_PURPOSE if not any(denied.covers(finding) for finding in findings)
    ]
    assert not stale, f"no longer made, or no longer denied:\n  {listing(stale)}"


def test_every_function_ran_in_the_tests(checker: Checker, recording: Recording) -> None:
    if not recording.complete:
        pytest.skip(recording.incomplete_reason())
    never = checker.handlers() - {call.function.handler for call in recording.calls}
    assert not never, f"functions no test ran, so nothing shows what their roles need:\n  {listing(never)}"


def test_no_role_allows_an_action_no_call_needed(checker: Checker, recording: Recording) -> None:
    if not recording.complete:
        pytest.skip(recording.incomplete_reason())
    unused = [
        item
        for item in checker.unused(checker.check(recording.calls))
        if kept(item.role, item.action, state_machine=item.state_machine) is None
    ]
    assert not unused, (
        "allowed, but no recorded call needed it (remove it, or say in stacks/indirect_permissions.py why "
        f"it stays):\n  {listing(unused)}"
    )


def test_every_indirect_permission_is_still_granted_and_still_indirect(
    checker: Checker, recording: Recording
) -> None:
    if not recording.complete:
        pytest.skip(recording.incomplete_reason())
    unused = {(item.role, item.action.lower()) for item in checker.unused(checker.check(recording.calls))}
    holders = {
        EVERY_FUNCTION: sorted(checker.handlers()),
        EVERY_STATE_MACHINE: [
            f"state machine {machine.describe()}"
            for machine in checker.templates.resources("AWS::StepFunctions::StateMachine")
        ],
    }
    stale = [
        f"{holder}: {action} ({entry.reason[:60]}...)"
        for entry in INDIRECT_PERMISSIONS
        for named in entry.holders
        for holder in holders.get(named, [named])
        for action in entry.actions
        if (holder, action.lower()) not in unused
    ]
    assert not stale, f"listed as indirect, but not granted or used by a call after all:\n  {listing(stale)}"


def narrowed(templates: Templates, handler: str, action: str) -> Templates:
    """A copy of ``templates`` whose function running ``handler`` no longer holds ``action``."""
    documents = copy.deepcopy(dict(templates.documents))
    narrowed_templates = Templates(documents, templates.assembly_dir)
    (function,) = narrowed_templates.functions(handler)
    role = narrowed_templates.role_of(function)
    assert role is not None
    for statement in narrowed_templates.identity_statements(role):
        actions = as_list(statement.body["Action"])
        if action in actions:
            body: Any = statement.body
            body["Action"] = [name for name in actions if name != action]
    return narrowed_templates


@pytest.mark.parametrize(
    ("key", "action", "resource"),
    [
        ("grant_access", "lakeformation:GrantPermissions", "*"),
        ("conclude_request", "dynamodb:UpdateItem", "arn:aws:dynamodb:us-east-1:123456789012:table/*"),
    ],
)
def test_a_role_narrowed_by_one_needed_action_fails_the_check(
    checker: Checker, recording: Recording, key: str, action: str, resource: str
) -> None:
    handler = manifest.FUNCTIONS_BY_KEY[key].handler
    strict = Checker(narrowed(checker.templates, handler, action), checker.facts)

    findings = strict.check(recording.calls).findings

    assert any(
        finding.function == handler
        and finding.action == action
        and wildcard_match(resource, finding.resource)
        for finding in findings
    ), f"no finding for {handler} {action} on {resource}; found:\n  {listing(findings)}"
