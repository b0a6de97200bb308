"""The portal function on the offline mesh: sign-in on moto's Cognito, browsing, requesting, deciding.

Every call goes to the deployed handler (``lakegate.handlers.portal.handler``, loaded by the mesh with the
environment its FunctionSpec declares) as API Gateway delivers it: app routes carry the JWT
authorizer's claims, as strings (``"[consumers]"``), and the bearer token the forms' csrf comes from.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from lakegate.ledger.store import Ledger
from lakegate.portal.auth import csrf_token
from lakegate.requests.submission import execution_arn
from lakegate_offline.http_api import http_api_event
from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, OfflineMesh, offline_mesh
from lakegate_offline.sample_catalog import load_sample_catalog
from lakegate_offline.user_pool import create_user
from tests.conftest import dummy_aws_credentials

pytestmark = pytest.mark.integration

PASSWORD = "Correct-Horse-42!"
_REQUEST_HEADING = re.compile(r"<h1>Request ([A-Za-z0-9_-]+)</h1>")


@pytest.fixture(scope="module")
def mesh() -> Iterator[OfflineMesh]:
    with dummy_aws_credentials(), offline_mesh() as built:
        load_sample_catalog(built.client("glue"), producer_account=PRODUCER_ACCOUNT)
        yield built


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class Portal:
    """The portal function as a browser reaches it through the HTTP API."""

    def __init__(self, mesh: OfflineMesh, claims: Mapping[str, str] | None = None, token: str = "") -> None:
        self.mesh = mesh
        self.claims = claims
        self.token = token or (f"token-of-{claims['cognito:username']}" if claims else "")

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    def get(self, path: str, query: str = "") -> Answer:
        return self.send(
            http_api_event("GET", path, query=query, headers=self._headers(), jwt_claims=self.claims)
        )

    def post(self, path: str, form: Sequence[tuple[str, str]], *, with_csrf: bool = True) -> Answer:
        fields = [*form, ("csrf", self.csrf)] if with_csrf else list(form)
        headers = {**self._headers(), "content-type": "application/x-www-form-urlencoded"}
        event = http_api_event("POST", path, body=urlencode(fields), headers=headers, jwt_claims=self.claims)
        return self.send(event)

    def post_json(self, path: str, document: Mapping[str, str]) -> Answer:
        event = http_api_event(
            "POST", path, body=json.dumps(document), headers={"content-type": "application/json"}
        )
        return self.send(event)

    def send(self, event: dict[str, Any]) -> Answer:
        payload, errored = self.mesh.lambdas.invoke(self.mesh.function_arns["portal"], event)
        assert not errored, payload
        body = payload.get("body") or ""
        if payload.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8")
        return Answer(payload["statusCode"], body, payload.get("headers") or {})

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"} if self.token else {}


def claims(username: str, groups: str, **attributes: str) -> dict[str, str]:
    """Claims as API Gateway's JWT authorizer passes them: strings, arrays as "[a b]"."""
    return {
        "cognito:username": username,
        "email": f"{username}@example.com",
        "cognito:groups": groups,
        **{f"custom:{name}": value for name, value in attributes.items()},
    }


CAROL = claims("carol", "[consumers]", consumer_account=CONSUMER_ACCOUNT)
CONSTANCE = claims("constance", "[consumers]", consumer_account=CONSUMER_ACCOUNT)
OLIVIA = claims("olivia", "[owners]", owner_accounts=f"111122223333,{PRODUCER_ACCOUNT}")
OSCAR = claims("oscar", "[owners]", owner_accounts="111122223333")


def executions(mesh: OfflineMesh) -> int:
    listed = mesh.client("stepfunctions").list_executions(stateMachineArn=mesh.state_machine_arn)
    return len(listed["executions"])


def request_id_of(answer: Answer) -> str:
    match = _REQUEST_HEADING.search(answer.body)
    assert match, answer.body
    return match.group(1)


def ledger(mesh: OfflineMesh) -> Ledger:
    return Ledger(mesh.ledger_table, dynamodb=mesh.client("dynamodb"))


def ask(portal: Portal, columns: Sequence[str], **changes: str) -> Answer:
    fields = {
        "database": "customers",
        "table": "profiles",
        "scope": "columns",
        "target_account": CONSUMER_ACCOUNT,
        "principal": "",
        "justification": "churn <model>",
        "duration_days": "",
        **changes,
    }
    return portal.post("/portal/app/request", [*fields.items(), *(("columns", name) for name in columns)])


def wait_for_owner(mesh: OfflineMesh, request_id: str) -> None:
    mesh.wait(execution_arn(mesh.state_machine_arn, request_id), until="waiting")


# ----- sign-in -----------------------------------------------------------------------------------


def _claims_of(id_token: str) -> dict[str, Any]:
    payload = id_token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_signing_in_returns_an_id_token_that_opens_the_app(
    mesh: OfflineMesh, capsys: pytest.CaptureFixture[str]
) -> None:
    cognito = mesh.client("cognito-idp")
    create_user(
        cognito,
        mesh.user_pool_id,
        username="sam",
        password=PASSWORD,
        email="sam@example.com",
        groups=["consumers", "owners"],
        attributes={"consumer_account": CONSUMER_ACCOUNT, "owner_accounts": PRODUCER_ACCOUNT},
    )

    answer = Portal(mesh).post_json("/portal/signin", {"username": "sam", "password": PASSWORD})

    assert answer.status == 200 and answer.headers["Cache-Control"] == "no-store"
    document = answer.json()
    assert set(document) == {"id_token", "expires_in"}
    token_claims = _claims_of(document["id_token"])
    assert token_claims["cognito:username"] == "sam" and token_claims["token_use"] == "id"
    assert sorted(token_claims["cognito:groups"]) == ["consumers", "owners"]
    # The claims as the authorizer passes them (a real list is accepted too) open the app.
    app = Portal(mesh, {name: value for name, value in token_claims.items()}, token=document["id_token"])
    catalog = app.get("/portal/app/catalog")
    assert catalog.status == 200 and ">Decisions<" in catalog.body
    logged = capsys.readouterr()
    assert PASSWORD not in logged.out + logged.err
    assert document["id_token"] not in logged.out + logged.err


@pytest.mark.parametrize(("username", "password"), [("sam-wrong", "Wrong-Password-1!"), ("nobody", PASSWORD)])
def test_wrong_credentials_and_unknown_users_get_the_same_401(
    mesh: OfflineMesh, username: str, password: str
) -> None:
    cognito = mesh.client("cognito-idp")
    if username == "sam-wrong":
        create_user(
            cognito, mesh.user_pool_id, username=username, password=PASSWORD, email="w@example.com", groups=[]
        )

    answer = Portal(mesh).post_json("/portal/signin", {"username": username, "password": password})

    assert (answer.status, answer.json()) == (401, {"error": "Incorrect username or password."})


def test_a_first_sign_in_must_choose_a_new_password(mesh: OfflineMesh) -> None:
    mesh.client("cognito-idp").admin_create_user(
        UserPoolId=mesh.user_pool_id,
        Username="newcomer",
        TemporaryPassword="Temporary-Pass-1!",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "newcomer@example.com"}],
    )
    portal = Portal(mesh)

    challenge = portal.post_json("/portal/signin", {"username": "newcomer", "password": "Temporary-Pass-1!"})

    assert challenge.status == 200
    assert challenge.json()["challenge"] == "NEW_PASSWORD_REQUIRED" and challenge.json()["session"]
    answered = portal.post_json(
        "/portal/signin/new-password",
        {
            "username": "newcomer",
            "session": challenge.json()["session"],
            "new_password": "Chosen-Password-7?",
        },
    )
    assert (
        answered.status == 200 and _claims_of(answered.json()["id_token"])["cognito:username"] == "newcomer"
    )


@pytest.mark.parametrize(
    "body", ['{"username": "x"}', "username=x&password=y", '["x"]', '{"username": 1, "password": "p"}']
)
def test_a_malformed_sign_in_is_a_400(mesh: OfflineMesh, body: str) -> None:
    answer = Portal(mesh).send(
        http_api_event("POST", "/portal/signin", body=body, headers={"content-type": "application/json"})
    )

    assert answer.status == 400 and "error" in answer.json()


def test_the_sign_in_page_and_the_assets_are_public(mesh: OfflineMesh) -> None:
    portal = Portal(mesh)

    page = portal.get("/portal")
    script = portal.get("/portal/assets/portal.js")
    style = portal.get("/portal/assets/lakegate.css")

    assert page.status == 200 and 'for="username">Username<' in page.body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert (script.status, script.headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    assert "sessionStorage" in script.body
    assert (style.status, style.headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert portal.get("/portal/assets/secrets.txt").status == 404


# ----- the app -----------------------------------------------------------------------------------


def test_a_consumer_asks_an_owner_approves_and_the_consumer_sees_the_grant(mesh: OfflineMesh) -> None:
    carol, olivia = Portal(mesh, CAROL), Portal(mesh, OLIVIA)

    # The consumer browses: the catalog, a database, a table.
    catalog = carol.get("/portal/app/catalog")
    assert catalog.status == 200 and catalog.headers["Cache-Control"] == "no-store"
    assert "<caption>Databases you can discover</caption>" in catalog.body
    assert 'href="/portal/app/catalog/customers"' in catalog.body and "Sensitive" in catalog.body
    assert "<caption>Tables in customers</caption>" in carol.get("/portal/app/catalog/customers").body
    table = carol.get("/portal/app/catalog/customers/profiles")
    assert (
        "<caption>Columns of customers.profiles</caption>" in table.body and ">Request access<" in table.body
    )

    # The form opens pre-filled, then the request is sent: two columns, one sensitive.
    form = carol.get("/portal/app/request", "database=customers&table=profiles&columns=email")
    assert form.status == 200 and f'value="{CONSUMER_ACCOUNT}"' in form.body
    started = ask(carol, ["customer_id", "email"])
    assert started.status == 201
    request_id = request_id_of(started)
    assert started.headers["X-Portal-Location"] == f"/portal/app/requests/{request_id}"
    assert (
        re.search("Status: (RECEIVED|PENDING_APPROVAL)<", started.body)
        and "churn &lt;model&gt;" in started.body
    )
    wait_for_owner(mesh, request_id)

    # The same request again starts nothing.
    before = executions(mesh)
    again = ask(carol, ["customer_id", "email"])
    assert again.status == 200 and request_id_of(again) == request_id
    assert "already in progress (PENDING_APPROVAL)" in again.body
    assert executions(mesh) == before

    # Another consumer asking for the same access is told so, and sees nothing of the first request.
    other = ask(Portal(mesh, CONSTANCE), ["customer_id", "email"], justification="my own dashboard")
    assert other.status == 200 and "<h1>Already requested</h1>" in other.body
    assert "your justification was not recorded" in other.body
    for private in (request_id, "carol", "churn &lt;model&gt;", "PENDING_APPROVAL"):
        assert private not in other.body
    assert executions(mesh) == before

    # The consumer's list shows it pending and asks to be refreshed.
    mine = carol.get("/portal/app/requests")
    assert request_id in mine.body and "PENDING_APPROVAL" in mine.body and 'data-refresh="5"' in mine.body

    # An owner of another account does not see it and may not decide it.
    oscar = Portal(mesh, OSCAR)
    assert request_id not in oscar.get("/portal/app/decisions").body
    refused = oscar.post(f"/portal/app/decisions/{request_id}", [("action", "approve")])
    assert refused.status == 403

    # The owner sees it with the justification, and approves with a comment.
    decisions = olivia.get("/portal/app/decisions")
    assert (
        decisions.status == 200 and request_id in decisions.body and "churn &lt;model&gt;" in decisions.body
    )
    approved = olivia.post(
        f"/portal/app/decisions/{request_id}", [("action", "approve"), ("comment", "ok <b>")]
    )
    assert approved.status == 200 and "You approved request" in approved.body
    record = ledger(mesh).require(request_id)
    assert record["decided_by"] == "olivia (portal)" and record["decision_comment"] == "ok <b>"
    assert record["requester"] == "carol"
    ended = mesh.wait(execution_arn(mesh.state_machine_arn, request_id))
    assert ended["status"] == "SUCCEEDED"

    # A second decision changes nothing.
    assert olivia.post(f"/portal/app/decisions/{request_id}", [("action", "deny")]).status == 409

    # The consumer sees it granted, by whom, with the comment and the grant.
    page = carol.get(f"/portal/app/requests/{request_id}")
    assert "Status: GRANTED" in page.body and "olivia (portal)" in page.body and "ok &lt;b&gt;" in page.body
    assert "columns customer_id, email of table customers.profiles" in page.body
    assert "data-refresh" not in page.body

    # Another consumer cannot open it.
    assert Portal(mesh, CONSTANCE).get(f"/portal/app/requests/{request_id}").status == 404


def test_a_denied_request_is_asked_again_under_the_next_name(mesh: OfflineMesh) -> None:
    carol, olivia = Portal(mesh, CAROL), Portal(mesh, OLIVIA)
    first = request_id_of(ask(carol, ["phone"]))
    wait_for_owner(mesh, first)
    olivia.post(f"/portal/app/decisions/{first}", [("action", "deny"), ("comment", "use segments")])
    mesh.wait(execution_arn(mesh.state_machine_arn, first))

    denied = carol.get(f"/portal/app/requests/{first}")
    assert "Status: DENIED" in denied.body and "Request again" in denied.body
    second = request_id_of(ask(carol, ["phone"]))

    assert second == f"{first}-2"
    wait_for_owner(mesh, second)


def test_a_post_without_the_csrf_field_is_refused_and_starts_nothing(mesh: OfflineMesh) -> None:
    carol = Portal(mesh, CAROL)
    before = executions(mesh)
    fields = [("database", "sales"), ("table", "orders"), ("target_account", CONSUMER_ACCOUNT)]

    missing = carol.post("/portal/app/request", fields, with_csrf=False)
    wrong = carol.post(
        "/portal/app/request", [*fields, ("csrf", csrf_token("someone-elses-token"))], with_csrf=False
    )

    assert missing.status == 403 and wrong.status == 403
    assert "<h1>Form not accepted</h1>" in missing.body
    assert executions(mesh) == before


def test_a_decision_without_the_csrf_field_is_refused(mesh: OfflineMesh) -> None:
    first = request_id_of(ask(Portal(mesh, CAROL), ["segment", "email"]))
    wait_for_owner(mesh, first)

    refused = Portal(mesh, OLIVIA).post(
        f"/portal/app/decisions/{first}", [("action", "approve")], with_csrf=False
    )

    assert refused.status == 403
    assert ledger(mesh).require(first)["status"] == "PENDING_APPROVAL"


def test_a_consumer_opening_the_decisions_gets_403_naming_the_group(mesh: OfflineMesh) -> None:
    answer = Portal(mesh, CAROL).get("/portal/app/decisions")

    assert answer.status == 403
    assert "<h1>Not allowed</h1>" in answer.body and "&quot;owners&quot; or &quot;admins&quot;" in answer.body
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_user_in_no_portal_group_may_not_browse(mesh: OfflineMesh) -> None:
    assert Portal(mesh, claims("gus", "[]")).get("/portal/app/catalog").status == 403


def test_a_validation_error_is_shown_next_to_the_form_and_starts_nothing(mesh: OfflineMesh) -> None:
    carol = Portal(mesh, CAROL)
    before = executions(mesh)

    answer = ask(carol, ["email"], target_account="4444")

    assert answer.status == 400
    assert '<p class="field-error" id="target_account-error">' in answer.body
    assert "&#x27;4444&#x27; is not a 12-digit AWS account id" in answer.body
    assert 'aria-invalid="true"' in answer.body and 'value="4444"' in answer.body
    assert 'value="email" checked' in answer.body  # what was ticked stays ticked
    assert executions(mesh) == before


def test_a_column_the_table_does_not_have_is_named_next_to_the_columns(mesh: OfflineMesh) -> None:
    answer = ask(Portal(mesh, CAROL), ["email", "shoe_size"])

    assert answer.status == 400 and 'id="columns-error"' in answer.body and "shoe_size" in answer.body


def test_a_consumer_may_ask_only_for_their_own_account(mesh: OfflineMesh) -> None:
    answer = ask(Portal(mesh, CAROL), ["email"], target_account="111122223333")

    assert answer.status == 400 and f"only for your consumer account {CONSUMER_ACCOUNT}" in answer.body


def test_an_undiscoverable_database_is_not_found(mesh: OfflineMesh) -> None:
    carol = Portal(mesh, CAROL)

    assert carol.get("/portal/app/catalog/nothing_here").status == 404
    assert carol.get("/portal/app/catalog/customers/nothing_here").status == 404
    assert carol.get("/portal/app/requests/not-a-request").status == 404
    assert carol.get("/portal/app/no-such-page").status == 404


def test_without_the_authorizers_claims_the_app_answers_as_api_gateway_does(mesh: OfflineMesh) -> None:
    answer = Portal(mesh).get("/portal/app/catalog")

    assert (answer.status, answer.json()) == (401, {"message": "Unauthorized"})


def test_a_start_that_only_claims_a_portal_user_is_not_theirs_to_see(mesh: OfflineMesh) -> None:
    # GIVEN a direct start (console, CLI) whose free text names carol
    claimed = {
        "source": {"database": "sales", "table": "orders"},
        "target": {"account_id": CONSUMER_ACCOUNT},
        "requester": "carol",
        "justification": "spoofed",
    }
    execution = mesh.start(claimed, "claims-carol")
    mesh.wait(execution)
    record = ledger(mesh).require("claims-carol")
    assert (record.get("requester"), record.get("claimed_by")) == (None, "carol")

    # THEN carol neither lists nor opens it, and an admin sees who it only claims to be from
    carol = Portal(mesh, CAROL)
    assert "claims-carol" not in carol.get("/portal/app/requests").body
    assert carol.get("/portal/app/requests/claims-carol").status == 404
    seen = Portal(mesh, claims("ada", "[admins]")).get("/portal/app/requests/claims-carol")
    assert seen.status == 200 and "carol (claimed, not verified)" in seen.body


def test_a_portal_request_is_recorded_as_its_signed_in_user_verified(mesh: OfflineMesh) -> None:
    started = ask(Portal(mesh, CONSTANCE), ["customer_id"], justification="retention report")
    request_id = request_id_of(started)
    mesh.wait(execution_arn(mesh.state_machine_arn, request_id), until="waiting")

    record = ledger(mesh).require(request_id)
    assert (record["requester"], record["requester_verified_by"], record.get("claimed_by")) == (
        "constance",
        "portal",
        None,
    )
    assert (
        "constance (signed in to the portal)"
        in Portal(mesh, CONSTANCE).get(f"/portal/app/requests/{request_id}").body
    )
