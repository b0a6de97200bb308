from __future__ import annotations

from typing import Any

from lakegate.approvals.pages import confirmation_page, decided_page

HOSTILE = '<script>alert("x")</script>'


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "request_id": "req-1",
        "status": "PENDING_APPROVAL",
        "request": {
            "database": "customers",
            "table": "profiles",
            "columns": [],
            "permissions": ["SELECT", "DESCRIBE"],
            "principal": None,
            "requester": HOSTILE,
            "justification": HOSTILE,
        },
        "consumer_account": "444455556666",
        "data_owner_name": HOSTILE,
        "sensitivity_reasons": [f"column customers.profiles.{HOSTILE} is flagged pii_flag"],
        "approval_expires_at": "2026-11-25T10:00:00+00:00",
    }
    base.update(changes)
    return base


def test_the_confirmation_page_escapes_every_catalog_and_request_string() -> None:
    html = confirmation_page(record(), action="approve", secret="abc")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "customers" in html and "444455556666" in html


def test_the_confirmation_page_posts_the_secret_back_to_the_request() -> None:
    html = confirmation_page(record(), action="deny", secret='a"b')
    assert '<form method="post" action="/requests/req-1">' in html
    assert 'name="secret" value="a&quot;b"' in html
    # The link's own action is the primary button; the other choice stays available.
    assert html.index('value="deny"') < html.index('value="approve"')
    assert '<label for="comment">' in html and '<label for="approver">' in html


def test_a_decided_request_says_who_decided_and_that_the_link_is_spent() -> None:
    html = decided_page(
        record(
            status="DENIED",
            decided_by="Pat (email link)",
            decided_at="2026-11-23T09:00:00+00:00",
            decision_comment=HOSTILE,
        )
    )
    assert "Access denied" in html
    assert "Decided by Pat (email link) at 2026-11-23T09:00:00+00:00." in html
    assert "This link no longer changes anything." in html
    assert HOSTILE not in html


def test_an_expired_request_says_so() -> None:
    html = decided_page(record(status="EXPIRED"))
    assert "This request has expired" in html


def test_the_page_names_the_person_whose_own_role_receives_the_grants() -> None:
    role = "arn:aws:iam::444455556666:role/lakegate-user-jdoe"
    mine = record(person="jdoe")
    mine["request"] = {**mine["request"], "principal": role}

    html = confirmation_page(mine, action="approve", secret="abc")

    assert f"<dt>For</dt><dd>jdoe (role {role})</dd>" in html
    assert "<dt>Granted to</dt>" not in html
    assert "<dt>Granted to</dt><dd>the whole consumer account" in confirmation_page(
        record(), action="approve", secret="abc"
    )
