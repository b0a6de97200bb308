from __future__ import annotations

import json

import pytest

from lakegate.core.errors import InvalidRequest
from lakegate.ledger.status import Status
from lakegate.workflow.conclude_request import outcome_of, readable_duration
from lakegate.workflow.record_failure import MAX_CAUSE_LENGTH, readable_failure


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        ({"request_id": "r", "grant": {"grants": []}}, Status.GRANTED),
        ({"request_id": "r", "decision": {"decision": "DENIED"}}, Status.DENIED),
        ({"request_id": "r", "timeout": {"Error": "States.Timeout"}}, Status.EXPIRED),
    ],
)
def test_the_outcome_follows_the_workflow_state(state: dict[str, object], outcome: Status) -> None:
    assert outcome_of(state) == outcome


def test_a_state_with_no_outcome_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        outcome_of({"request_id": "r", "decision": {"decision": "APPROVED"}})


def test_a_lambda_failure_keeps_the_message_and_drops_the_stack_trace() -> None:
    cause = json.dumps(
        {
            "errorType": "InvalidRequest",
            "errorMessage": "target.account_id: is required",
            "stackTrace": ['  File "x.py", line 1'],
        }
    )
    assert readable_failure({"Error": "InvalidRequest", "Cause": cause}) == (
        "InvalidRequest",
        "target.account_id: is required",
    )


def test_a_service_failure_keeps_its_text_and_long_causes_are_cut() -> None:
    assert readable_failure({"Error": "States.Runtime", "Cause": "bad path"}) == (
        "States.Runtime",
        "bad path",
    )
    _, cause = readable_failure({"Error": "X", "Cause": "y" * 5000})
    assert len(cause) == MAX_CAUSE_LENGTH
    assert readable_failure({}) == ("States.Unknown", "the workflow failed with States.Unknown")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (259200, "3 days"),
        (72 * 3600 + 3600, "73 hours"),
        (3600, "1 hour"),
        (120, "2 minutes"),
        (1, "1 second"),
        (90, "90 seconds"),
    ],
)
def test_timeouts_read_in_the_largest_whole_unit(seconds: int, text: str) -> None:
    assert readable_duration(seconds) == text
