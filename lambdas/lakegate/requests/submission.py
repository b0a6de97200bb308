"""Starting an access request once: the execution is named after the request.

Shared by ``lakegate request`` and the portal, so both start the same request the same way: the
first free name of ``request_names.request_name`` wins, and the same request still in progress
starts nothing and is reported as already pending. Imports nothing from Powertools (the CLI uses it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lakegate.core.errors import LakegateError, error_code
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.requests.model import AccessRequest
from lakegate.requests.names import request_name
from lakegate.requests.requester import PROOF_FIELD

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

MAX_ATTEMPTS = 9999
# A request with one of these statuses may still be decided or granted; any other status has ended
# (GRANTED, DENIED, EXPIRED, FAILED, or one added later such as REVOKED).
IN_PROGRESS = frozenset({Status.RECEIVED.value, Status.PENDING_APPROVAL.value, Status.APPROVED.value})


class TooManyAttempts(LakegateError):
    """Every name for this request is taken: it was asked for MAX_ATTEMPTS times already."""


@dataclass(frozen=True)
class Submission:
    """The request's id and execution, and whether this submission started it or found it pending."""

    request_id: str
    execution_arn: str
    started: bool
    status: str


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives the execution ``name`` of the state machine."""
    parts = state_machine_arn.split(":")
    if len(parts) != 7 or parts[5] != "stateMachine":
        raise ValueError(f"not a state machine ARN: {state_machine_arn}")
    return ":".join([*parts[:5], "execution", parts[6], name])


def describe_execution(sfn: SFNClient, arn: str) -> dict[str, Any] | None:
    """The execution, or None when there is none with that ARN."""
    try:
        return dict(sfn.describe_execution(executionArn=arn))
    except ClientError as error:
        if error_code(error) == "ExecutionDoesNotExist":
            return None
        raise


def execution_input(request: AccessRequest) -> dict[str, Any]:
    """The normalized execution input: the same request always gives the same input."""
    source: dict[str, Any] = {"database": request.database, "table": request.table or "*"}
    if request.columns:
        source["columns"] = list(request.columns)
    target: dict[str, Any] = {"account_id": request.consumer_account}
    if request.principal:
        target["principal"] = request.principal
    document: dict[str, Any] = {"source": source, "target": target, "permissions": list(request.permissions)}
    for name in ("requester", "justification", "duration_days"):
        value = getattr(request, name)
        if value is not None:
            document[name] = value
    return document


def submit(
    request: AccessRequest,
    *,
    state_machine_arn: str,
    sfn: SFNClient,
    ledger: Ledger,
    proof: Callable[[str], Mapping[str, str]] | None = None,
) -> Submission:
    """Start the request unless the same one is still in progress.

    The first free name wins: ``<name>`` if it never ran, else ``<name>-2``, ``-3``... once the
    earlier ones ended. Two people starting the same request at once get the same execution
    (Step Functions returns the running one for the same name and input) or, with other free
    text, ExecutionAlreadyExists; both are reported as already pending. ``proof``, given the
    execution name, returns the ``requester_proof`` of a caller the submitting path verified.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        name = request_name(request, attempt)
        arn = execution_arn(state_machine_arn, name)
        record = ledger.get(name)
        if record is not None:
            if record["status"] in IN_PROGRESS:
                return Submission(name, arn, started=False, status=record["status"])
            continue
        execution = describe_execution(sfn, arn)
        if execution is not None:
            if execution["status"] == "RUNNING":  # started, not yet recorded by the workflow
                return Submission(name, arn, started=False, status=Status.RECEIVED.value)
            continue
        document = execution_input(request)
        if proof is not None:
            document[PROOF_FIELD] = dict(proof(name))
        try:
            sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(document, sort_keys=True)
            )
        except ClientError as error:
            if error_code(error) != "ExecutionAlreadyExists":
                raise
            return Submission(name, arn, started=False, status=Status.RECEIVED.value)
        return Submission(name, arn, started=True, status=Status.RECEIVED.value)
    raise TooManyAttempts(
        f"{MAX_ATTEMPTS} requests for the same access exist already; ask for something else"
    )
