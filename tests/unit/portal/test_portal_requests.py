"""The portal's request form: read as the workflow validates a request, with errors named by form field."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from lakegate.portal.auth import user_from_claims
from lakegate.portal.request_forms import (
    FormInvalid,
    RequestForm,
    ask_again_fields,
    default_form,
    request_from_form,
    wait_for_record,
)
from lakegate_offline.mesh import CENTRAL_ACCOUNT
from tests.support.mesh_members import MESH

CONSUMER = "444455556666"
CONSUMER_USER = user_from_claims(
    {"cognito:username": "carol", "cognito:groups": "[consumers]", "custom:consumer_account": CONSUMER}
)
ADMIN = user_from_claims({"cognito:username": "ada", "cognito:groups": "[admins]"})


def form(body: str) -> RequestForm:
    return RequestForm.from_fields(parse_qs(body, keep_blank_values=True))


def test_a_columns_request_is_validated_with_the_user_as_requester() -> None:
    request = request_from_form(
        form(
            f"database=Customers&table=profiles&scope=columns&columns=customer_id&columns=Email"
            f"&target_account={CONSUMER}&principal=&justification=+churn+model+&duration_days=30&csrf=x"
        ),
        CONSUMER_USER,
        MESH,
    )

    assert (request.database, request.table, request.columns) == (
        "customers",
        "profiles",
        ("customer_id", "email"),
    )
    assert (request.consumer_account, request.principal) == (CONSUMER, None)
    assert (request.requester, request.justification, request.duration_days) == ("carol", "churn model", 30)
    assert request.permissions == ("SELECT",)


def test_the_whole_table_and_the_whole_database_are_asked_for_without_columns() -> None:
    table = request_from_form(
        form(f"database=sales&table=orders&scope=table&target_account={CONSUMER}"), ADMIN, MESH
    )
    database = request_from_form(form(f"database=sales&table=*&target_account={CONSUMER}"), ADMIN, MESH)

    assert (table.table, table.columns) == ("orders", ())
    assert (database.table, database.columns) == (None, ())


def test_ticked_columns_without_a_choice_of_scope_ask_for_those_columns() -> None:
    request = request_from_form(
        form(f"database=sales&table=orders&columns=amount&target_account={CONSUMER}"), ADMIN, MESH
    )

    assert request.columns == ("amount",)


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ("database=sales&table=orders&target_account=4444", "target_account", "'4444' is not a 12-digit"),
        ("database=sales&table=orders&target_account=111122223333", "target_account", f"account {CONSUMER}"),
        (f"database=sales&table=orders&scope=columns&target_account={CONSUMER}", "columns", "at least one"),
        (
            f"database=sales&table=orders&scope=table&columns=amount&target_account={CONSUMER}",
            "columns",
            "choose one or the other",
        ),
        (
            f"database=sales&table=orders&duration_days=soon&target_account={CONSUMER}",
            "duration_days",
            "whole",
        ),
        (f"database=sales&table=orders&duration_days=400&target_account={CONSUMER}", "duration_days", "365"),
        (
            f"database=sales&table=orders&principal=arn:aws:iam::111122223333:role/x&target_account={CONSUMER}",
            "principal",
            "use a role of the consumer account",
        ),
        (f"database=sales&table=Bad Name&target_account={CONSUMER}", "table", "not a catalog name"),
        (f"database=&table=orders&target_account={CONSUMER}", "database", "is required"),
    ],
)
def test_an_invalid_form_names_the_field_to_correct(body: str, field: str, says: str) -> None:
    with pytest.raises(FormInvalid) as refused:
        request_from_form(form(body), CONSUMER_USER, MESH)

    assert field in refused.value.errors
    assert says in refused.value.errors[field]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (
            "database=sales&table=orders&target_account=987654321098",
            "target_account",
            "not a consumer of this mesh; a platform administrator adds it to the central stack's "
            "consumer_account_ids",
        ),
        (
            f"database=sales&table=orders&target_account={CENTRAL_ACCOUNT}",
            "principal",
            "receives access only through a named role",
        ),
    ],
)
def test_an_admin_cannot_ask_for_an_account_outside_the_mesh(body: str, field: str, says: str) -> None:
    with pytest.raises(FormInvalid) as refused:
        request_from_form(form(body), ADMIN, MESH)

    assert refused.value.errors == {field: refused.value.errors[field]}
    assert says in refused.value.errors[field]


def test_a_user_without_a_consumer_account_is_told_to_ask_for_one() -> None:
    nobody = user_from_claims({"cognito:username": "nina", "cognito:groups": "[consumers]"})

    with pytest.raises(FormInvalid, match="custom:consumer_account"):
        request_from_form(form(f"database=sales&table=orders&target_account={CONSUMER}"), nobody, MESH)


def test_the_form_opens_with_the_users_account_and_the_columns_of_the_link() -> None:
    opened = default_form(parse_qs("database=customers&table=profiles&columns=email,phone"), CONSUMER_USER)

    assert opened.target_account == CONSUMER
    assert opened.columns == ("email", "phone") and opened.scope == "columns"


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("DENIED", True),
        ("REVOKED", True),
        ("EXPIRED", True),
        ("FAILED", True),
        ("GRANTED", False),
        ("PENDING_APPROVAL", False),
    ],
)
def test_asking_again_is_offered_once_a_request_ended_without_access(status: str, offered: bool) -> None:
    record = {
        "status": status,
        "request": {
            "database": "customers",
            "table": "profiles",
            "columns": ["email"],
            "consumer_account": CONSUMER,
            "principal": None,
            "justification": "churn",
            "duration_days": 7,
        },
    }

    fields = ask_again_fields(record)

    if offered:
        assert fields == {
            "database": "customers",
            "table": "profiles",
            "columns": "email",
            "target_account": CONSUMER,
            "justification": "churn",
            "duration_days": "7",
        }
    else:
        assert fields is None


class SlowLedger:
    """A ledger the workflow writes the record to after ``writes_after`` reads."""

    def __init__(self, writes_after: int | None) -> None:
        self.reads = 0
        self.writes_after = writes_after

    def get(self, request_id: str) -> dict[str, str] | None:
        self.reads += 1
        if self.writes_after is not None and self.reads > self.writes_after:
            return {"request_id": request_id, "status": "RECEIVED"}
        return None


@pytest.mark.parametrize(("writes_after", "found", "reads"), [(0, True, 1), (3, True, 4), (None, False, 6)])
def test_a_started_request_is_read_once_the_workflow_recorded_it_or_after_a_while(
    writes_after: int | None, found: bool, reads: int
) -> None:
    clock = [0.0]
    ledger = SlowLedger(writes_after)

    record = wait_for_record(
        "r-1",
        ledger=ledger,  # type: ignore[arg-type]  # only get is read
        timeout=1.0,
        poll=0.2,
        sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
        monotonic=lambda: clock[0],
    )

    assert (record is not None, ledger.reads) == (found, reads)
