"""The portal's pages: escaping everywhere, and the structure assistive technology relies on."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from lakegate.catalog.sensitivity import Sensitivity
from lakegate.portal.auth import csrf_token, user_from_claims
from lakegate.portal.catalog import (
    CatalogPage,
    ColumnView,
    DatabaseSummary,
    DatabaseView,
    TableView,
)
from lakegate.portal.catalog_pages import catalog_page, database_page, table_page
from lakegate.portal.decision_pages import decisions_page
from lakegate.portal.pages import Frame, message_page, sign_in_page
from lakegate.portal.request_forms import RequestForm
from lakegate.portal.request_pages import my_requests_page, request_form_page, request_page
from lakegate.web.html import Html, esc
from tests.support.ledger_records import CONSUMER, PRODUCER, evaluated_fields

SCRIPT = "<script>alert('x')</script>"
CONSUMER_USER = user_from_claims(
    {"cognito:username": "carol", "cognito:groups": "[consumers]", "custom:consumer_account": CONSUMER}
)
OWNER_USER = user_from_claims(
    {"cognito:username": "olivia", "cognito:groups": "[owners]", "custom:owner_accounts": PRODUCER}
)
FRAME = Frame(user=CONSUMER_USER, csrf=csrf_token("token"))
OWNER_FRAME = Frame(user=OWNER_USER, csrf=csrf_token("token"))
DATABASE = DatabaseView(
    name="customers",
    description="Customer records",
    owner=PRODUCER,
    owner_name="Customer Data",
    flagged=False,
)
PROFILES = TableView(
    name="profiles",
    description="One row per customer",
    flagged=False,
    columns=(
        ColumnView("customer_id", "string", "", flagged=False),
        ColumnView("email", "string", "contact address", flagged=True),
        ColumnView("country", "string", "", flagged=False, partition_key=True),
    ),
)


class Structure(HTMLParser):
    """What the checks below need to know about a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[int] = []
        self.labels: dict[str, str] = {}
        self.captions: list[str] = []
        self.legends: list[str] = []
        self.buttons: list[str] = []
        self.text: list[str] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if tag in ("label", "caption", "legend", "button"):
            self._open.append((tag, attributes, []))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for _, _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, attributes, parts = self._open.pop()
            text = "".join(parts).strip()
            if tag == "label":
                self.labels[attributes.get("for", "")] = text
            elif tag == "caption":
                self.captions.append(text)
            elif tag == "legend":
                self.legends.append(text)
            else:
                self.buttons.append(text)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attributes for name, attributes in self.tags if name == tag]

    def fields(self) -> list[dict[str, str]]:
        controls = self.all("input") + self.all("textarea") + self.all("select")
        return [field for field in controls if field.get("type") != "hidden"]


def assert_accessible(html: str) -> Structure:
    """The basics every portal page has."""
    page = Structure(html)
    assert html.startswith("<!doctype html>")
    assert page.all("html") == [{"lang": "en"}]
    assert len(page.all("main")) == 1 and page.all("main")[0]["id"] == "main"
    assert len(page.all("title")) == 1
    assert page.all("a")[0] == {"class": "skip-link", "href": "#main"}
    assert page.headings and page.headings[0] == 1 and page.headings.count(1) == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"headings skip a level: {page.headings}"
    for field in page.fields():
        assert page.labels.get(field["id"]), f"no label for {field}"
    assert len(page.captions) == len(page.all("table"))
    for header in page.all("th"):
        assert header.get("scope") in ("col", "row")
    # No inline script or style: the Content-Security-Policy would block it.
    assert all(script.get("src") for script in page.all("script"))
    assert not page.all("style") and not any("style" in attributes for _, attributes in page.tags)
    assert not any(name.startswith("on") for _, attributes in page.tags for name in attributes)
    return page


def test_esc_escapes_text_and_leaves_built_markup_alone() -> None:
    assert esc(SCRIPT) == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert esc('"><img src=x>') == "&quot;&gt;&lt;img src=x&gt;"
    assert esc(None) == ""
    assert esc(Html("<b>built</b>")) == "<b>built</b>"


def test_a_table_description_with_a_script_comes_out_escaped() -> None:
    table = TableView(name="profiles", description=SCRIPT, flagged=False, columns=PROFILES.columns)
    database = DatabaseView(
        name="customers", description=SCRIPT, owner=PRODUCER, owner_name=f"<b>{SCRIPT}</b>", flagged=False
    )

    for html in (
        database_page(database, [table], frame=FRAME),
        table_page(database, table, frame=FRAME),
        catalog_page(
            CatalogPage((DatabaseSummary(database, Sensitivity(False, ())),), None), frame=FRAME, paged=False
        ),
    ):
        assert SCRIPT not in html and "<b>" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert_accessible(html)


def test_the_catalog_names_its_table_links_each_database_and_says_sensitive_in_words() -> None:
    page = CatalogPage(
        (
            DatabaseSummary(
                DATABASE, Sensitivity(True, ("column customers.profiles.email is flagged pii_flag",))
            ),
            DatabaseSummary(
                DatabaseView("sales", "", PRODUCER, "Sales", flagged=False), Sensitivity(False, ())
            ),
        ),
        next_token="token/+=",
    )

    html = catalog_page(page, frame=FRAME, paged=False)

    structure = assert_accessible(html)
    assert structure.captions == ["Databases you can discover"]
    assert {"href": "/portal/app/catalog/customers"} in structure.all("a")
    assert "Sensitive" in html and "Nothing flagged" in html
    assert {"href": "/portal/app/catalog?next=token%2F%2B%3D"} in structure.all("a")
    assert "<title>Catalog · lakegate portal</title>" in html


def test_the_table_page_has_its_captions_partition_keys_and_the_request_link() -> None:
    html = table_page(DATABASE, PROFILES, frame=FRAME)

    structure = assert_accessible(html)
    assert structure.captions == ["Columns of customers.profiles", "Partition keys of customers.profiles"]
    assert "Partition keys" in structure.text
    assert "/portal/app/request?database=customers&table=profiles" in [
        link["href"] for link in structure.all("a")
    ]


def test_the_request_link_is_only_for_those_who_may_request() -> None:
    assert "Request access" in table_page(DATABASE, PROFILES, frame=FRAME)
    assert "Request access" not in table_page(DATABASE, PROFILES, frame=OWNER_FRAME)


def test_the_navigation_offers_decisions_to_owners_only() -> None:
    assert ">Decisions<" not in message_page("x", "y", frame=FRAME)
    assert ">Decisions<" in message_page("x", "y", frame=OWNER_FRAME)
    assert "Sign out" in message_page("x", "y", frame=FRAME)


def test_every_field_of_the_request_form_has_its_label() -> None:
    form = RequestForm(database="customers", table="profiles", columns=("email",), scope="columns")

    html = request_form_page(form, DATABASE, PROFILES, frame=FRAME, user_role_prefix="lakegate-user-")

    structure = assert_accessible(html)
    labels = set(structure.labels.values())
    assert {
        "Consumer account",
        "Role ARN (optional)",
        "Justification",
        "Duration in days (optional)",
    } <= labels
    assert {"customer_id", "email (sensitive)", "country"} <= labels
    assert "Columns" in structure.legends
    assert "Submit request" in structure.buttons
    checked = [
        field["value"]
        for field in structure.all("input")
        if "checked" in field and field["name"] == "columns"
    ]
    assert checked == ["email"]
    assert {"type": "hidden", "name": "csrf", "value": csrf_token("token")} in structure.all("input")
    assert "lakegate-user-carol" in html  # the user's own role is suggested


def test_a_validation_error_is_shown_next_to_its_field() -> None:
    form = RequestForm(
        database="customers",
        table="profiles",
        target_account="<4444>",
        errors={"target_account": "'<4444>' no"},
    )

    html = request_form_page(form, DATABASE, PROFILES, frame=FRAME)

    structure = assert_accessible(html)
    account = next(field for field in structure.all("input") if field.get("id") == "target_account")
    assert account["aria-invalid"] == "true" and "target_account-error" in account["aria-describedby"]
    assert account["value"] == "<4444>"
    assert {"class": "field-error", "id": "target_account-error"} in structure.all("p")
    assert "<4444>" not in html
    assert 'href="#target_account"' in html  # the summary links to the field


def test_the_request_page_shows_the_status_decision_and_offers_to_ask_again_when_denied() -> None:
    record = {
        **evaluated_fields(columns=("email",), justification=SCRIPT),
        "request_id": "customers-profiles-cols-0123456789",
        "status": "DENIED",
        "item": "customers.profiles (columns email)",
        "requester": "carol",
        "decided_by": "olivia (portal)",
        "decision_comment": SCRIPT,
        "history": [
            {"at": "2026-11-22T12:00:00+00:00", "status": "RECEIVED", "by": "carol", "reason": SCRIPT}
        ],
    }

    html = request_page(record, frame=FRAME)

    structure = assert_accessible(html)
    assert "Request customers-profiles-cols-0123456789" in structure.text
    assert "Status: DENIED" in structure.text
    assert "olivia (portal)" in html and SCRIPT not in html
    assert structure.captions == ["History of request customers-profiles-cols-0123456789"]
    again = next(link for link in structure.all("a") if "/portal/app/request?" in link["href"])
    assert "columns=email" in again["href"] and f"target_account={CONSUMER}" in again["href"]
    assert "data-refresh" not in html


def test_the_list_asks_to_be_refreshed_while_a_request_is_in_progress() -> None:
    pending = {"request_id": "r-1", "status": "PENDING_APPROVAL", "item": "sales.orders"}
    granted = {"request_id": "r-2", "status": "GRANTED", "item": "sales.orders"}

    assert '<main id="main" tabindex="-1" data-refresh="5">' in my_requests_page(
        [pending, granted], frame=FRAME
    )
    html = my_requests_page([granted], frame=FRAME)
    assert "data-refresh" not in html
    assert assert_accessible(html).captions == ["Your requests, newest first"]
    assert "Browse the catalog" in my_requests_page([], frame=FRAME)


def test_each_pending_request_has_its_own_labelled_decision_form() -> None:
    records: list[dict[str, Any]] = [
        {**evaluated_fields(justification=SCRIPT), "request_id": f"r-{index}", "status": "PENDING_APPROVAL"}
        for index in (1, 2)
    ]

    html = decisions_page(records, frame=OWNER_FRAME)

    structure = assert_accessible(html)
    assert [label for label in structure.labels.values()] == ["Comment", "Comment"]
    assert structure.buttons.count("Approve") == 2 and structure.buttons.count("Deny") == 2
    assert [form["action"] for form in structure.all("form")] == [
        "/portal/app/decisions/r-1",
        "/portal/app/decisions/r-2",
    ]
    assert SCRIPT not in html
    assert "No requests are waiting" in decisions_page([], frame=OWNER_FRAME)


def test_the_sign_in_page_has_the_labelled_fields_and_no_inline_script() -> None:
    html = sign_in_page()

    structure = assert_accessible(html)
    assert set(structure.labels.values()) == {"Username", "Password", "New password"}
    assert "Sign in" in structure.buttons
    assert {"src": "/portal/assets/portal.js", "defer": ""} in structure.all("script")
    assert "Sign out" not in html


@pytest.mark.parametrize("title", ["Not allowed", "Not found"])
def test_message_pages_are_complete_documents(title: str) -> None:
    assert_accessible(message_page(title, SCRIPT, frame=FRAME))
