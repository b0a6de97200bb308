from __future__ import annotations

from lakegate.requests.model import AccessRequest
from lakegate.workflow.grants import Grant, plan_grants

ACCOUNT = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Analyst"


def ask(table: str | None, columns: tuple[str, ...] = (), principal: str | None = None) -> AccessRequest:
    return AccessRequest("sales", table, columns, ACCOUNT, principal, ("SELECT", "DESCRIBE"))


def test_a_database_request_grants_describe_on_the_database_and_the_permissions_on_all_its_tables() -> None:
    grants = plan_grants(ask(None))
    assert [grant.api_arguments() for grant in grants] == [
        {
            "Principal": {"DataLakePrincipalIdentifier": ACCOUNT},
            "Resource": {"Database": {"Name": "sales"}},
            "Permissions": ["DESCRIBE"],
            "PermissionsWithGrantOption": ["DESCRIBE"],
        },
        {
            "Principal": {"DataLakePrincipalIdentifier": ACCOUNT},
            "Resource": {"Table": {"DatabaseName": "sales", "TableWildcard": {}}},
            "Permissions": ["SELECT", "DESCRIBE"],
            "PermissionsWithGrantOption": ["SELECT", "DESCRIBE"],
        },
    ]


def test_a_column_request_grants_select_on_those_columns_only() -> None:
    (grant,) = plan_grants(ask("orders", ("id", "amount")))
    assert grant.resource == {
        "TableWithColumns": {"DatabaseName": "sales", "Name": "orders", "ColumnNames": ["id", "amount"]}
    }
    assert grant.permissions == ("SELECT",)


def test_a_role_principal_gets_no_grant_option() -> None:
    (grant,) = plan_grants(ask("orders", principal=ROLE))
    assert grant.principal == ROLE
    assert grant.resource == {"Table": {"DatabaseName": "sales", "Name": "orders"}}
    assert grant.grantable == ()


def test_a_grant_survives_the_ledger_round_trip_and_reads_well() -> None:
    (grant,) = plan_grants(ask("orders", ("id",)))
    assert Grant.from_dict(grant.to_dict()) == grant
    assert grant.describe() == f"SELECT on columns id of table sales.orders to {ACCOUNT}"
