"""The request portal in a real browser: a consumer asks, an owner approves, the consumer sees the grant.

Against the sandbox (its sample users, its moto Cognito, the web server's JWT authorizer), in headless
Chromium launched as the approval-link test launches it (``tests/sandbox/browser.py``). The portal
keeps its ID token in sessionStorage, which is per tab: each new page starts signed out. Every main
page is checked for the accessibility basics (a language, one ``<main>``, one ``<h1>``, captions on
tables, a label on every field) and photographed into ``artifacts/portal/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from lakegate.ledger.store import Ledger
from tests.sandbox.browser import headless_chromium
from tests.sandbox.conftest import ARTIFACTS, RunningSandbox

with contextlib.suppress(ImportError):  # without Playwright, headless_chromium fails the test and says why
    from playwright.sync_api import BrowserContext, Locator, Page, expect

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "portal"
DATABASE, TABLE = "customers", "profiles"
# Columns no other sandbox test asks for, so this request is never "already pending" from another test.
COLUMNS = ("phone", "segment")
JUSTIFICATION = "Churn model: phone contact rate per segment"
COMMENT = "Approved for the churn model; delete the extract afterwards"
# The portal refreshes a list with requests in progress every 5 s.
REFRESH_TIMEOUT_MS = 30_000
_REQUEST_HEADING = re.compile(r"^Request (\S+)$")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One headless Chromium for the module; each test opens its own tabs (own sessions)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium(tmp_path_factory.mktemp("portal-chromium")) as context:
        yield context


def portal_user(sandbox: RunningSandbox, group: str) -> dict[str, Any]:
    """The sandbox's sample user in ``group``, as `lakegate sandbox info` lists it."""
    return next(user for user in sandbox.info["portal_users"] if group in user["groups"])


# ----- helpers: accessibility, keyboard, signing in ---------------------------------------------------

_ACCESSIBILITY_PROBLEMS = """() => {
  const problems = [];
  const shown = (element) => element.checkVisibility();
  if (!(document.documentElement.getAttribute("lang") || "").trim()) problems.push("<html> has no lang");
  const mains = [...document.querySelectorAll("main")].filter((main) => !main.hidden);
  if (mains.length !== 1) problems.push(`${mains.length} <main> elements`);
  const headings = [...document.querySelectorAll("h1")].filter(shown);
  if (headings.length !== 1) problems.push(`${headings.length} visible <h1> elements`);
  for (const table of document.querySelectorAll("table")) {
    if (!(table.caption && table.caption.textContent.trim())) problems.push(`a table without caption`);
  }
  const fields = [...document.querySelectorAll("input, select, textarea")].filter(
    (field) => !["hidden", "submit", "button", "reset", "image"].includes(field.type) && shown(field)
  );
  for (const field of fields) {
    const labelled = [...(field.labels || [])].some((label) => label.textContent.trim())
      || (field.getAttribute("aria-label") || "").trim()
      || (field.getAttribute("aria-labelledby") || "").trim();
    if (!labelled) problems.push(`unlabelled ${field.tagName.toLowerCase()} name=${field.name}`);
  }
  return problems;
}"""


def check_page(page: Page, screenshot: str) -> None:
    """The accessibility basics hold, every visible field is found by its label; then a screenshot."""
    problems = page.evaluate(_ACCESSIBILITY_PROBLEMS)
    assert problems == [], f"{page.url}: {problems}"
    fields = page.locator(
        "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
    ).filter(visible=True)
    for field in fields.all():
        label = field.evaluate(
            "(field) => (field.labels && field.labels.length ? field.labels[0].textContent"
            " : field.getAttribute('aria-label') || '').trim()"
        )
        expect(
            page.get_by_label(label, exact=True).and_(field), f"the field labelled {label!r}"
        ).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / f"{screenshot}.png", full_page=True)


def press_tab_until_focused(page: Page, target: Locator, *, most: int = 12) -> None:
    """Press Tab, as a keyboard user does, until ``target`` has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("(element) => element === document.activeElement"):
            return
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"{most} Tab presses never reached {target}; the focus is on {focused}")


def open_sign_in(page: Page, sandbox: RunningSandbox) -> None:
    page.goto(sandbox.info["portal_url"])
    expect(page.get_by_label("Username", exact=True)).to_be_visible()


def sign_in(page: Page, sandbox: RunningSandbox, user: dict[str, Any]) -> None:
    open_sign_in(page, sandbox)
    page.get_by_label("Username", exact=True).fill(user["username"])
    page.get_by_label("Password", exact=True).fill(user["password"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_in_with_the_keyboard(page: Page, sandbox: RunningSandbox, user: dict[str, Any]) -> None:
    """Tab to the user name, type, Tab to the password, type, Enter."""
    open_sign_in(page, sandbox)
    username = page.get_by_label("Username", exact=True)
    password = page.get_by_label("Password", exact=True)
    press_tab_until_focused(page, username)
    page.keyboard.type(user["username"])
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(user["password"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def go_to(page: Page, nav_link: str, heading: str | re.Pattern[str]) -> None:
    page.get_by_role("navigation", name="Portal").get_by_role("link", name=nav_link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def request_row(page: Page, request_id: str) -> Locator:
    return page.locator("main table tbody tr").filter(has_text=request_id)


def fetch_status(page: Page, path: str, token: str | None = None) -> tuple[int, str]:
    """What the page's own fetch of ``path`` gets (status, body), with a bearer token or without."""
    result: list[Any] = page.evaluate(
        """async ([path, token]) => {
          const response = await fetch(path, token ? {headers: {Authorization: `Bearer ${token}`}} : {});
          return [response.status, await response.text()];
        }""",
        [path, token],
    )
    return int(result[0]), str(result[1])


# ----- the tests --------------------------------------------------------------------------------------


def test_app_pages_need_a_valid_token(sandbox: RunningSandbox, browser: BrowserContext) -> None:
    catalog = f"{sandbox.info['portal_url']}/app/catalog"
    try:
        urllib.request.urlopen(catalog, timeout=10)
    except urllib.error.HTTPError as error:
        assert (error.code, json.loads(error.read())) == (401, {"message": "Unauthorized"})
    else:
        raise AssertionError(f"{catalog} answered without a token")

    page = browser.new_page()
    open_sign_in(page, sandbox)
    for token in (None, "not-a-token"):
        status, body = fetch_status(page, "/portal/app/catalog", token)
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    page.close()


def test_a_consumer_requests_columns_an_owner_approves_and_the_consumer_sees_the_grant(
    sandbox: RunningSandbox, browser: BrowserContext
) -> None:
    consumer, owner = portal_user(sandbox, "consumers"), portal_user(sandbox, "owners")
    page = browser.new_page()

    # The consumer signs in with the keyboard only.
    open_sign_in(page, sandbox)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page, "sign-in")
    sign_in_with_the_keyboard(page, sandbox, consumer)
    nav = page.get_by_role("navigation", name="Portal")
    expect(nav.get_by_role("link", name="Catalog", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="My requests", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Decisions", exact=True)).to_have_count(0)  # owners and admins only

    # The catalog: the databases, the sensitive one marked in words.
    go_to(page, "Catalog", "Catalog")
    databases = page.get_by_role("table", name="Databases you can discover")
    expect(databases.get_by_role("link", name="sales", exact=True)).to_be_visible()
    customers = databases.locator("tbody tr").filter(has=page.get_by_role("link", name=DATABASE, exact=True))
    expect(customers).to_contain_text("Customer Data")
    expect(customers).to_contain_text("Sensitive")
    check_page(page, "catalog")

    # A database: its tables, the sensitive ones marked.
    customers.get_by_role("link", name=DATABASE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(DATABASE)
    tables = page.get_by_role("table", name=f"Tables in {DATABASE}")
    expect(tables.locator("tbody tr").filter(has_text="payments")).to_contain_text("Sensitive")
    check_page(page, "database")

    # A sensitive table: its columns (which are sensitive), its partition keys, the way to ask.
    tables.get_by_role("link", name=TABLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{DATABASE}.{TABLE}")
    columns = page.get_by_role("table", name=f"Columns of {DATABASE}.{TABLE}")
    expect(columns.locator("tbody tr").filter(has_text="phone")).to_contain_text("Sensitive")
    expect(columns.locator("tbody tr").filter(has_text="segment")).not_to_contain_text("Sensitive")
    expect(page.get_by_role("heading", name="Partition keys")).to_be_visible()
    expect(page.get_by_text("country", exact=True)).to_be_visible()
    check_page(page, "table")

    # The request form: two chosen columns, a justification; submitted with the keyboard.
    page.get_by_role("link", name="Request access", exact=True).click()
    form = page.locator("main form")
    expect(form.get_by_role("group", name="Columns")).to_be_visible()
    choose_columns_scope(page)
    for name in COLUMNS:
        checkbox = form.get_by_label(f"{name} (sensitive)" if name == "phone" else name, exact=True)
        checkbox.focus()
        page.keyboard.press("Space")
        expect(checkbox).to_be_checked()
    expect(form.get_by_label("Consumer account", exact=True)).to_have_value(consumer["consumer_account"])
    expect(form.get_by_label("Role ARN (optional)", exact=True)).to_be_editable()
    expect(form.get_by_label("Duration in days (optional)", exact=True)).to_be_editable()
    justification = form.get_by_label("Justification", exact=True)
    justification.focus()
    page.keyboard.type(JUSTIFICATION)
    check_page(page, "request-form")
    press_tab_until_focused(page, form.get_by_role("button", name="Submit request", exact=True))
    page.keyboard.press("Enter")

    # The request's page (the form's heading is "Request access": wait for the status line first).
    expect(page.get_by_text(re.compile(r"^Status: (RECEIVED|PENDING_APPROVAL)$"))).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(_REQUEST_HEADING)
    match = _REQUEST_HEADING.match(heading.inner_text().strip())
    assert match is not None
    request_id = match.group(1)

    # "My requests": pending, and the page keeps itself up to date while it is.
    go_to(page, "My requests", re.compile("requests", re.IGNORECASE))
    row = request_row(page, request_id)
    expect(row).to_contain_text("PENDING_APPROVAL", timeout=REFRESH_TIMEOUT_MS)
    expect(page.locator("main")).to_have_attribute("data-refresh", "5")
    check_page(page, "my-requests")

    # A second tab, signed in as the consumer too, watches the list without ever being reloaded.
    watcher = browser.new_page()
    sign_in(watcher, sandbox, consumer)
    go_to(watcher, "My requests", re.compile("requests", re.IGNORECASE))
    expect(request_row(watcher, request_id)).to_contain_text("PENDING_APPROVAL")
    watcher.evaluate("() => { window.notReloaded = true; }")

    # The consumer signs out; the owner signs in and approves with a comment.
    sign_out(page)
    sign_in(page, sandbox, owner)
    go_to(page, "Decisions", re.compile("decisions", re.IGNORECASE))
    # The innermost part of the page naming the request and holding its Approve button.
    decision = (
        page.locator("main :is(section, article, li, tr, form, div)")
        .filter(has_text=request_id)
        .filter(has=page.get_by_role("button", name="Approve", exact=True))
        .last
    )
    expect(decision).to_contain_text(JUSTIFICATION)
    decision.get_by_label("Comment", exact=True).fill(COMMENT)
    expect(decision.get_by_role("button", name="Deny", exact=True)).to_be_visible()
    check_page(page, "decisions")
    decision.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("main")).to_contain_text(request_id)
    expect(page.locator("main")).to_contain_text(re.compile("approved", re.IGNORECASE))
    sign_out(page)

    # The watching tab turns GRANTED by itself, still on its list.
    expect(watcher.get_by_role("heading", level=1), "the watching tab still shows its list").to_have_text(
        "My requests"
    )
    expect(request_row(watcher, request_id)).to_contain_text("GRANTED", timeout=REFRESH_TIMEOUT_MS)
    assert watcher.evaluate("() => window.notReloaded === true"), "the list was reloaded, not refreshed"
    watcher.close()

    # The consumer signs in again: granted, by the owner, with the comment.
    sign_in(page, sandbox, consumer)
    go_to(page, "My requests", re.compile("requests", re.IGNORECASE))
    row = request_row(page, request_id)
    expect(row).to_contain_text("GRANTED", timeout=REFRESH_TIMEOUT_MS)
    row.get_by_role("link", name=request_id).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Request {request_id}")
    expect(page.get_by_text("Status: GRANTED")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text(f"{owner['username']} (portal)")
    expect(main).to_contain_text(COMMENT)
    for name in COLUMNS:
        expect(main).to_contain_text(name)
    check_page(page, "granted-request")
    page.close()

    record = wait_for_ledger_status(sandbox, request_id, "GRANTED")
    assert record["requester"] == consumer["username"]
    assert record["decided_by"] == f"{owner['username']} (portal)"
    assert record["decision_comment"] == COMMENT


def choose_columns_scope(page: Page) -> None:
    """Pick "some columns" rather than the whole table, by radio button or select, if the form asks."""
    form = page.locator("main form")
    radio = form.get_by_role("radio", name=re.compile("column", re.IGNORECASE))
    if radio.count():
        radio.first.focus()
        page.keyboard.press("Space")
        expect(radio.first).to_be_checked()
        return
    for select in form.locator("select").all():
        options = select.locator("option").all_inner_texts()
        chosen = [option for option in options if "column" in option.lower()]
        if chosen:
            select.select_option(label=chosen[0])
            return


def wait_for_ledger_status(
    sandbox: RunningSandbox, request_id: str, status: str, timeout: float = 30.0
) -> dict[str, Any]:
    """The ledger's record once it has ``status``."""
    ledger = Ledger(sandbox.info["ledger_table"], dynamodb=sandbox.client("dynamodb"))
    deadline = time.monotonic() + timeout
    while True:
        record = ledger.get(request_id) or {}
        if record.get("status") == status or time.monotonic() > deadline:
            assert record.get("status") == status, record
            return record
        time.sleep(0.2)


def test_catalog_text_is_shown_as_text_never_as_markup(
    sandbox: RunningSandbox, browser: BrowserContext
) -> None:
    # GIVEN a producer describes a database with markup in its owner name and description
    owner_name = "<b>Bold</b> & Co"
    description = '<img src="/x" onerror="window.injected=true">Notes <script>window.injected=true</script>'
    sandbox.client("glue").create_database(
        DatabaseInput={
            "Name": "markup_notes",
            "Description": description,
            "Parameters": {"data_owner": sandbox.info["accounts"]["producer"], "data_owner_name": owner_name},
        }
    )
    page = browser.new_page()
    sign_in(page, sandbox, portal_user(sandbox, "consumers"))

    # WHEN the consumer opens the catalog
    go_to(page, "Catalog", "Catalog")
    row = (
        page.get_by_role("table", name="Databases you can discover")
        .locator("tbody tr")
        .filter(has=page.get_by_role("link", name="markup_notes", exact=True))
    )

    # THEN the text is there as written, and none of it became an element or ran
    expect(row).to_contain_text(owner_name)
    expect(row).to_contain_text(description)
    expect(row.locator("b, img, script")).to_have_count(0)
    assert page.evaluate("() => window.injected === undefined")
    page.close()
