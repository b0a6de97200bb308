"""A data owner approves a sensitive request in a real browser: outbox, Approve link, page, button.

Headless Chromium (Debian's ``chromium`` package, installed by ``make setup``) is driven by
Playwright for Python, launched on ``/usr/bin/chromium``: Playwright never downloads a browser
here. Screenshots of the outbox, the confirmation page and the result page are kept under
``artifacts/browser/`` (git-ignored) for a person to look at after the run.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.browser import headless_chromium
from tests.sandbox.conftest import ARTIFACTS, RunningSandbox

with contextlib.suppress(ImportError):  # without Playwright, headless_chromium fails the test and says why
    from playwright.sync_api import BrowserContext, Locator, Page, expect

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "browser"
NAME_LABEL = "Your name (recorded with the decision)"
COMMENT_LABEL = "Comment (optional, sent to the consumer)"
APPROVER = "Dana Owner"
EXECUTION_TIMEOUT_S = 30.0


def _start_sensitive_request(sandbox: RunningSandbox) -> tuple[str, str]:
    request_id = f"browser-{uuid.uuid4().hex[:12]}"
    execution_arn = sandbox.client("stepfunctions").start_execution(
        stateMachineArn=sandbox.info["state_machine_arn"],
        name=request_id,
        input=json.dumps(
            {
                "source": {"database": "customers", "table": "profiles", "columns": ["customer_id", "email"]},
                "target": {"account_id": sandbox.info["accounts"]["consumer"]},
            }
        ),
    )["executionArn"]
    return request_id, execution_arn


def _open_approval_email(page: Page, outbox_url: str, request_id: str) -> Locator:
    """Open the outbox, reloading as a person would until the request's email is listed."""
    page.goto(outbox_url)
    email = page.locator("article").filter(has_text=re.compile(rf"Request id:\s+{re.escape(request_id)}\b"))
    deadline = time.monotonic() + EXECUTION_TIMEOUT_S
    while email.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        page.reload()
    expect(email, "the approval email reached the outbox").to_have_count(1)
    return email


def _details(page: Page) -> dict[str, str]:
    """The request's details as the page shows them: each term beside its description."""
    terms = page.locator("main dl dt").all_inner_texts()
    descriptions = page.locator("main dl dd").all_inner_texts()
    return {term.strip(): text.strip() for term, text in zip(terms, descriptions, strict=True)}


def _wait_for_end(sandbox: RunningSandbox, execution_arn: str) -> dict[str, Any]:
    sfn = sandbox.client("stepfunctions")
    deadline = time.monotonic() + EXECUTION_TIMEOUT_S
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.1)


def test_owner_approves_a_sensitive_request_in_the_browser(sandbox: RunningSandbox, tmp_path: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium(tmp_path / "chromium-profile") as browser:
        _approve_in_the_browser(sandbox, browser)


def _approve_in_the_browser(sandbox: RunningSandbox, browser: BrowserContext) -> None:
    consumer = sandbox.info["accounts"]["consumer"]
    request_id, execution_arn = _start_sensitive_request(sandbox)
    page = browser.new_page()

    # The owner finds the email in the outbox and follows its Approve link.
    email = _open_approval_email(page, sandbox.info["outbox_url"], request_id)
    expect(email.get_by_role("heading", level=2)).to_have_text(
        f"Access request for customers.profiles (columns customer_id, email) from account {consumer}"
    )
    expect(email).to_contain_text("column customers.profiles.email is flagged pii_flag")
    email.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "outbox.png", full_page=True)
    approve_link = email.get_by_role("link", name=re.compile(r"[?&]action=approve&"))
    expect(approve_link).to_have_count(1)
    approve_link.click()

    # The confirmation page shows the request and decides nothing yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve access?")
    expect(page.get_by_text("Nothing has been decided yet.")).to_be_visible()
    details = _details(page)
    assert details["Request"] == request_id
    assert details["Database"] == "customers"
    assert details["Table"] == "profiles"
    assert details["Columns"] == "customer_id, email"
    assert details["Consumer account"] == consumer
    expect(page.get_by_role("heading", name="Why this needs approval")).to_be_visible()
    expect(page.get_by_role("listitem")).to_have_text(["column customers.profiles.email is flagged pii_flag"])
    # The one stylesheet is served and applied under a policy that allows no inline style.
    primary = "getComputedStyle(document.querySelector('button.primary')).backgroundColor"
    assert page.evaluate(primary) == "rgb(31, 95, 191)"

    # Every field is reachable by its label. The owner uses only the keyboard: Tab to the name field
    # (the page's first stop), type a name, Tab past the comment to Approve, press Enter.
    name_field = page.get_by_label(NAME_LABEL, exact=True)
    comment_field = page.get_by_label(COMMENT_LABEL, exact=True)
    expect(name_field).to_be_editable()
    expect(comment_field).to_be_editable()
    page.keyboard.press("Tab")
    expect(name_field).to_be_focused()
    page.keyboard.type(APPROVER)
    expect(name_field).to_have_value(APPROVER)
    page.keyboard.press("Tab")
    expect(comment_field).to_be_focused()
    page.keyboard.press("Tab")
    approve_button = page.get_by_role("button", name="Approve access", exact=True)
    expect(approve_button).to_be_focused()
    expect(page.get_by_role("button", name="Deny access", exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "confirmation.png", full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The result page says what happened, and who decided.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access approved")
    expect(page.get_by_text(f"Decided by {APPROVER} (email link) at")).to_be_visible()
    expect(page.get_by_text("This link no longer changes anything.")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "result.png", full_page=True)

    # The workflow resumes and grants the columns.
    described = _wait_for_end(sandbox, execution_arn)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"])["status"] == "GRANTED"
