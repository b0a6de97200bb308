"""The manifest of the Lambda asset: its functions, the state machines that call them, their settings.

This module is the single list the CDK stacks, the offline mesh and the CLI build from: which
functions exist, the handler and environment each needs, which state machines exist
(``DEFINITIONS``: the access-request workflow and the small access-expiry and approval-reminder
ones) and which
``${Placeholder}`` in each ASL file stands for which function's ARN. It imports nothing from CDK.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# lambdas/lakegate/core/manifest.py: the asset is lambdas/, the ASL files are in the repository's
# statemachine/ (read by the stacks and the offline runs from a checkout, never inside a function).
LAMBDAS_DIR = Path(__file__).resolve().parents[2]
STATEMACHINE_DIR = LAMBDAS_DIR.parent / "statemachine"
DEFINITION_PATH = STATEMACHINE_DIR / "access_request.asl.json"
EXPIRY_DEFINITION_PATH = STATEMACHINE_DIR / "access_expiry.asl.json"
REMINDER_DEFINITION_PATH = STATEMACHINE_DIR / "access_reminder.asl.json"

# Environment variables the handlers read at load (see lambdas/lakegate/core/settings.py).
LEDGER_TABLE_NAME = "LEDGER_TABLE_NAME"
NOTIFICATION_TOPIC_ARN = "NOTIFICATION_TOPIC_ARN"
APPROVAL_TIMEOUT_SECONDS = "APPROVAL_TIMEOUT_SECONDS"
DECISION_BASE_URL = "DECISION_BASE_URL"
PRODUCER_ROLE_NAME = "PRODUCER_ROLE_NAME"
PRODUCER_TOPIC_NAME = "PRODUCER_TOPIC_NAME"
# Every function that writes the ledger puts each status change on this bus (lakegate.ledger.status_events).
EVENT_BUS_NAME = "EVENT_BUS_NAME"
REVOKE_FUNCTION_NAME = "REVOKE_FUNCTION_NAME"
# Time-bound access: the expiry state machine grant_access starts for a request with duration_days.
EXPIRY_STATE_MACHINE_ARN = "EXPIRY_STATE_MACHINE_ARN"
# The length of a day in seconds: 86400 in the stack; the sandbox and the tests compress the clock
# (1 makes a "day" of access pass in a second).
ACCESS_DAY_SECONDS = "ACCESS_DAY_SECONDS"
DAY_SECONDS = 86400
# Approver reminder: request_approval starts the reminder state machine for a sensitive request, which
# waits until APPROVAL_REMINDER_SECONDS before the approval deadline (0 disables reminders) and then
# invokes request_approval again in its reminder mode.
APPROVAL_REMINDER_SECONDS = "APPROVAL_REMINDER_SECONDS"
REMINDER_STATE_MACHINE_ARN = "REMINDER_STATE_MACHINE_ARN"
# Per-user roles: the role-name prefix before a user name (``lakegate-user-`` names jdoe's role
# ``lakegate-user-jdoe``); evaluate_request records that person with the request. Empty means no
# convention, so it is read with ``settings.optional``.
USER_ROLE_PREFIX = "USER_ROLE_PREFIX"
# The request portal: the access-request state machine it starts requests on (as `lakegate request`
# does), and the id of the Cognito app client its sign-in calls (USER_PASSWORD_AUTH, no secret).
STATE_MACHINE_ARN = "STATE_MACHINE_ARN"
# The mesh's members (lakegate.requests.mesh): the central account and the context's
# consumer_account_ids and producer_account_ids, comma-separated; requests outside them are refused.
CENTRAL_ACCOUNT_ID = "CENTRAL_ACCOUNT_ID"
CONSUMER_ACCOUNT_IDS = "CONSUMER_ACCOUNT_IDS"
PRODUCER_ACCOUNT_IDS = "PRODUCER_ACCOUNT_IDS"
MESH_MEMBERS = (CENTRAL_ACCOUNT_ID, CONSUMER_ACCOUNT_IDS, PRODUCER_ACCOUNT_IDS)
# The KMS HMAC key that proves who submitted a request (lakegate.requests.requester): the portal
# makes proofs, evaluate_request checks them.
REQUESTER_KEY_ID = "REQUESTER_KEY_ID"
USER_POOL_CLIENT_ID = "USER_POOL_CLIENT_ID"

# The SSM parameter (in the central account) holding where everything is, as JSON with the keys of
# CENTRAL_SETTINGS_KEYS; the central stack writes it, the sandbox too, and the CLI reads it.
CENTRAL_SETTINGS_PARAMETER = "/lakegate/central"
CENTRAL_SETTINGS_KEYS = (
    "state_machine_arn",
    "ledger_table",
    "decision_api_url",
    "owner_decision_url",
    "notification_topic_arn",
    "user_role_prefix",
)
# Keys whose value may be empty (and which older deployments do not write): readers default them to "".
OPTIONAL_CENTRAL_SETTINGS_KEYS = ("user_role_prefix",)

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function of the workflow, as both the stack and the offline runs create it."""

    key: str
    handler: str
    description: str
    environment: tuple[str, ...]
    placeholder: str | None = None  # the ASL placeholder for this function's ARN, if the ASL calls it


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        key="evaluate_request",
        handler="lakegate.handlers.evaluate_request.handler",
        description="Validates an access request, reads the catalog and decides whether it is sensitive",
        environment=(
            LEDGER_TABLE_NAME,
            EVENT_BUS_NAME,
            APPROVAL_TIMEOUT_SECONDS,
            USER_ROLE_PREFIX,
            *MESH_MEMBERS,
            REQUESTER_KEY_ID,
        ),
        placeholder="EvaluateRequestFunctionArn",
    ),
    FunctionSpec(
        key="request_approval",
        handler="lakegate.handlers.request_approval.handler",
        description="Emails the data owner Approve and Deny links, and one reminder, on the producer's topic",
        environment=(
            LEDGER_TABLE_NAME,
            EVENT_BUS_NAME,
            DECISION_BASE_URL,
            PRODUCER_ROLE_NAME,
            PRODUCER_TOPIC_NAME,
            ACCESS_DAY_SECONDS,
            APPROVAL_REMINDER_SECONDS,
            REMINDER_STATE_MACHINE_ARN,
        ),
        placeholder="RequestApprovalFunctionArn",
    ),
    FunctionSpec(
        key="grant_access",
        handler="lakegate.handlers.grant_access.handler",
        description="Grants the requested Lake Formation permissions, records them, schedules their expiry",
        environment=(LEDGER_TABLE_NAME, EVENT_BUS_NAME, EXPIRY_STATE_MACHINE_ARN, ACCESS_DAY_SECONDS),
        placeholder="GrantAccessFunctionArn",
    ),
    FunctionSpec(
        key="conclude_request",
        handler="lakegate.handlers.conclude_request.handler",
        description="Records the outcome of a request and notifies the consumer",
        environment=(LEDGER_TABLE_NAME, EVENT_BUS_NAME, NOTIFICATION_TOPIC_ARN),
        placeholder="ConcludeRequestFunctionArn",
    ),
    FunctionSpec(
        key="record_failure",
        handler="lakegate.handlers.record_failure.handler",
        description="Records why a request failed and notifies the consumer",
        environment=(LEDGER_TABLE_NAME, EVENT_BUS_NAME, NOTIFICATION_TOPIC_ARN),
        placeholder="RecordFailureFunctionArn",
    ),
    FunctionSpec(
        key="decision_api",
        handler="lakegate.handlers.decision_api.handler",
        description="Serves the approval links: a confirmation page on GET, the decision on POST",
        environment=(LEDGER_TABLE_NAME, EVENT_BUS_NAME, REVOKE_FUNCTION_NAME),
    ),
    FunctionSpec(
        key="revoke_access",
        handler="lakegate.handlers.revoke_access.handler",
        description="Revokes exactly the grants recorded for a request and notifies the consumer",
        environment=(LEDGER_TABLE_NAME, NOTIFICATION_TOPIC_ARN, EVENT_BUS_NAME),
    ),
    FunctionSpec(
        key="portal",
        handler="lakegate.handlers.portal.handler",
        description="Serves the request portal: sign-in, the catalog, requests and the owners' decisions",
        environment=(
            LEDGER_TABLE_NAME,
            EVENT_BUS_NAME,
            STATE_MACHINE_ARN,
            USER_POOL_CLIENT_ID,
            USER_ROLE_PREFIX,
            *MESH_MEMBERS,
            REQUESTER_KEY_ID,
        ),
    ),
)

FUNCTIONS_BY_KEY: Mapping[str, FunctionSpec] = {spec.key: spec for spec in FUNCTIONS}
# The access-request workflow's placeholders (each spec's ``placeholder``), kept for the callers of
# the single-definition API below; ``DEFINITIONS`` lists every state machine.
PLACEHOLDERS: Mapping[str, str] = {spec.placeholder: spec.key for spec in FUNCTIONS if spec.placeholder}


@dataclass(frozen=True)
class Definition:
    """One state machine: its ASL file and which function each ``${Placeholder}`` in it stands for."""

    key: str
    path: Path
    placeholders: Mapping[str, str]  # placeholder -> FunctionSpec.key

    def substitutions(self, function_arns: Mapping[str, str]) -> dict[str, str]:
        """Map every placeholder to the ARN of its function, given ARNs keyed by ``FunctionSpec.key``.

        Works the same for CDK tokens and for plain ARN strings, so the stack and the offline runs
        share it.
        """
        missing = sorted(set(self.placeholders.values()) - set(function_arns))
        if missing:
            raise KeyError(f"no function ARN given for: {', '.join(missing)}")
        return {placeholder: function_arns[key] for placeholder, key in self.placeholders.items()}

    def placeholders_in_file(self, text: str | None = None) -> set[str]:
        """The ``${Placeholder}`` names used in the ASL file (or in ``text``)."""
        source = self.path.read_text(encoding="utf-8") if text is None else text
        return set(_PLACEHOLDER.findall(source))

    def render(self, values: Mapping[str, str]) -> str:
        """The ASL with every placeholder replaced, as CloudFormation does for the deployed stack."""
        text = self.path.read_text(encoding="utf-8")
        unknown = self.placeholders_in_file(text) - set(values)
        if unknown:
            raise KeyError(f"no value for placeholders: {', '.join(sorted(unknown))}")
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


ACCESS_REQUEST = Definition(key="access_request", path=DEFINITION_PATH, placeholders=PLACEHOLDERS)
# Waits until a time-bound grant's expiry, then asks the revoke function to revoke it.
ACCESS_EXPIRY = Definition(
    key="access_expiry",
    path=EXPIRY_DEFINITION_PATH,
    placeholders={"RevokeAccessFunctionArn": "revoke_access"},
)
# Waits until the reminder time of a sensitive request, then has request_approval (in its reminder mode:
# input {"request_id", "reminder": true}) email the owner once more with fresh links.
ACCESS_REMINDER = Definition(
    key="access_reminder",
    path=REMINDER_DEFINITION_PATH,
    placeholders={"RequestApprovalFunctionArn": "request_approval"},
)
DEFINITIONS: tuple[Definition, ...] = (ACCESS_REQUEST, ACCESS_EXPIRY, ACCESS_REMINDER)


def substitutions(function_arns: Mapping[str, str]) -> dict[str, str]:
    """The access-request workflow's substitutions (see ``Definition.substitutions``)."""
    return ACCESS_REQUEST.substitutions(function_arns)


def placeholders_in_definition(text: str | None = None) -> set[str]:
    """The ``${Placeholder}`` names used in the access-request ASL file (or in ``text``)."""
    return ACCESS_REQUEST.placeholders_in_file(text)


def render_definition(values: Mapping[str, str]) -> str:
    """The access-request ASL with every placeholder replaced."""
    return ACCESS_REQUEST.render(values)
