"""The transition table itself: every status has its row, and the rules the workflow relies on hold."""

from __future__ import annotations

from lakegate.ledger.status import TRANSITIONS, Status, sources_of


def test_every_status_has_a_row_and_every_target_is_a_status() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert all(targets <= set(Status) for targets in TRANSITIONS.values())


def test_only_an_approval_or_a_request_with_nothing_sensitive_is_granted() -> None:
    assert sources_of(Status.GRANTED) == {Status.RECEIVED, Status.APPROVED}


def test_only_a_pending_request_is_decided() -> None:
    assert sources_of(Status.APPROVED) == {Status.PENDING_APPROVAL}
    assert sources_of(Status.DENIED) == {Status.PENDING_APPROVAL}


def test_only_a_granted_request_is_revoked() -> None:
    assert sources_of(Status.REVOKED) == {Status.GRANTED}


def test_a_request_is_created_received_and_never_returns_to_it() -> None:
    assert sources_of(Status.RECEIVED) == set()


def test_a_request_can_fail_from_any_status_without_grants_but_nothing_leaves_failed() -> None:
    assert sources_of(Status.FAILED) == set(Status) - {Status.FAILED, Status.GRANTED, Status.REVOKED}
    assert TRANSITIONS[Status.FAILED] == set()


def test_what_holds_or_held_grants_is_never_recorded_as_failed() -> None:
    assert TRANSITIONS[Status.GRANTED] == {Status.REVOKED}
    assert TRANSITIONS[Status.REVOKED] == set()


def test_a_decision_is_reopened_or_expired_only_after_it_was_claimed() -> None:
    assert sources_of(Status.PENDING_APPROVAL) == {
        Status.RECEIVED,
        Status.PENDING_APPROVAL,  # the ask retried, with a new secret
        Status.APPROVED,
        Status.DENIED,
    }
    assert sources_of(Status.EXPIRED) == {Status.PENDING_APPROVAL, Status.APPROVED, Status.DENIED}
