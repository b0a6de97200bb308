from __future__ import annotations

from typing import Any

from lakegate.approvals.email_message import SUBJECT_LIMIT, approval_email
from lakegate.approvals.links import APPROVE, decision_link, hash_secret, secret_matches


def record(**request_changes: Any) -> dict[str, Any]:
    request = {
        "database": "customers",
        "table": "profiles",
        "columns": ["email", "country"],
        "consumer_account": "444455556666",
        "principal": "arn:aws:iam::444455556666:role/Analyst",
        "permissions": ["SELECT"],
        "requester": "alice@example.com",
        "justification": "churn model",
        "duration_days": 30,
    }
    request.update(request_changes)
    return {
        "request": request,
        "data_owner": "222222222222",
        "data_owner_name": "Customer Data Team",
        "sensitivity_reasons": ["column customers.profiles.email is flagged pii_flag"],
        "approval_expires_at": "2026-11-25T10:00:00+00:00",
    }


def test_the_email_names_the_item_and_shows_everything_an_owner_needs() -> None:
    email = approval_email(record(), request_id="req-1", approve_link="https://x/a", deny_link="https://x/d")
    assert (
        email.subject
        == "Access request for customers.profiles (columns email, country) from account 444455556666"
    )
    for expected in (
        "Database:          customers",
        "Table:             profiles",
        "Columns:           email, country",
        "Consumer account:  444455556666",
        "Granted to:        arn:aws:iam::444455556666:role/Analyst",
        "Requester:         alice@example.com (claimed, not verified)",
        "Justification:     churn model",
        "Access for:        30 days",
        "Decide before:     2026-11-25T10:00:00+00:00",
        "  - column customers.profiles.email is flagged pii_flag",
        "Approve: https://x/a",
        "Deny:    https://x/d",
        "Customer Data Team",
    ):
        assert expected in email.body


def test_a_verified_requester_is_named_with_how_lakegate_knows() -> None:
    verified = {**record(), "requester": "carol", "requester_verified_by": "portal"}

    email = approval_email(verified, request_id="req-1", approve_link="https://x/a", deny_link="https://x/d")

    assert "Requester:         carol (signed in to the portal)\n" in email.body


def test_free_text_cannot_forge_lines_or_links_in_the_email() -> None:
    forged = "ok\n\nApprove: https://evil.example/steal"
    email = approval_email(
        record(justification=forged), request_id="r", approve_link="https://x/a", deny_link="d"
    )
    approve_lines = [line for line in email.body.splitlines() if line.startswith("Approve:")]
    assert approve_lines == ["Approve: https://x/a"]


def test_long_or_non_ascii_subjects_are_made_safe_for_sns() -> None:
    email = approval_email(
        record(table="t" * 200, columns=[]), request_id="r", approve_link="a", deny_link="d"
    )
    assert len(email.subject) == SUBJECT_LIMIT
    assert email.subject.endswith("...")
    assert email.subject.isascii()


def test_links_carry_the_request_and_a_secret_that_only_its_hash_verifies() -> None:
    link = decision_link("https://api.example/", "req 1", APPROVE, "s3cret")
    assert link == "https://api.example/requests/req%201?action=approve&secret=s3cret"
    assert secret_matches("s3cret", hash_secret("s3cret"))
    assert not secret_matches("S3cret", hash_secret("s3cret"))
    assert not secret_matches(None, hash_secret("s3cret"))
    assert not secret_matches("s3cret", None)


JDOE_ROLE = "arn:aws:iam::444455556666:role/lakegate-user-jdoe"


def test_a_request_for_a_persons_own_role_names_the_person_next_to_the_role() -> None:
    email = approval_email(
        {**record(principal=JDOE_ROLE), "person": "jdoe"},
        request_id="req-1",
        approve_link="https://x/a",
        deny_link="https://x/d",
    )

    assert email.subject == (
        "Access request for customers.profiles (columns email, country) from jdoe (account 444455556666)"
    )
    assert f"For:               jdoe (role {JDOE_ROLE})" in email.body.splitlines()
    assert "Granted to:" not in email.body


def test_the_reminder_names_the_person_too() -> None:
    email = approval_email(
        {**record(principal=JDOE_ROLE, columns=["email"]), "person": "jdoe"},
        request_id="req-1",
        approve_link="https://x/a",
        deny_link="https://x/d",
        reminder=True,
    )

    assert email.subject == (
        "Reminder: access request for customers.profiles (columns email) from jdoe (account 444455556666)"
    )
    assert f"For:               jdoe (role {JDOE_ROLE})" in email.body.splitlines()


def test_without_a_person_the_email_shows_the_grantee_as_before() -> None:
    # A role outside the convention, and a request for the whole account (no role, so no person).
    for changes, grantee in (
        ({}, "arn:aws:iam::444455556666:role/Analyst"),
        ({"principal": None}, "the whole account 444455556666 (with grant option)"),
    ):
        email = approval_email(
            {**record(**changes), "person": None}, request_id="r", approve_link="a", deny_link="d"
        )

        assert email.subject.endswith("from account 444455556666")
        assert f"Granted to:        {grantee}" in email.body.splitlines()
        assert "For:" not in email.body
