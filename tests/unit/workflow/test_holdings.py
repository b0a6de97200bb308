"""Shared permissions split into the atoms Lake Formation grants and revokes apart."""

from __future__ import annotations

from lakegate.workflow.grants import Grant
from lakegate.workflow.holdings import Holdings, SharedPart, atoms_of, narrowed

ACCOUNT = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Analyst"


def table(name: str = "orders", permissions: tuple[str, ...] = ("SELECT", "DESCRIBE")) -> Grant:
    return Grant(ACCOUNT, {"Table": {"DatabaseName": "sales", "Name": name}}, permissions, permissions)


def columns(*names: str, principal: str = ROLE) -> Grant:
    resource = {"TableWithColumns": {"DatabaseName": "sales", "Name": "orders", "ColumnNames": list(names)}}
    return Grant(principal, resource, ("SELECT",), ())


def test_a_column_grant_is_one_atom_per_column_and_a_table_grant_one_per_permission() -> None:
    assert atoms_of(columns("id", "amount")) == [
        (ROLE, "column:sales.orders.id", "SELECT"),
        (ROLE, "column:sales.orders.amount", "SELECT"),
    ]
    assert atoms_of(table()) == [
        (ACCOUNT, "table:sales.orders", "SELECT"),
        (ACCOUNT, "table:sales.orders", "DESCRIBE"),
    ]
    database = Grant(ACCOUNT, {"Database": {"Name": "sales"}}, ("DESCRIBE",), ("DESCRIBE",))
    every_table = Grant(ACCOUNT, {"Table": {"DatabaseName": "sales", "TableWildcard": {}}}, ("SELECT",), ())
    assert atoms_of(database) == [(ACCOUNT, "database:sales", "DESCRIBE")]
    assert atoms_of(every_table) == [(ACCOUNT, "tables:sales", "SELECT")]


def test_narrowing_keeps_only_the_given_columns_or_permissions_with_their_grant_option() -> None:
    assert narrowed(columns("id", "amount", "day"), [(ROLE, "column:sales.orders.day", "SELECT")]) == columns(
        "day"
    )
    assert narrowed(table(), [(ACCOUNT, "table:sales.orders", "DESCRIBE")]) == table(
        permissions=("DESCRIBE",)
    )
    assert narrowed(table(), [(ACCOUNT, "table:sales.products", "SELECT")]) is None


def test_what_nobody_else_holds_is_split_from_what_others_hold_with_who_holds_it() -> None:
    held = Holdings(
        {
            (ROLE, "column:sales.orders.amount", "SELECT"): ("r1",),
            (ROLE, "column:sales.orders.day", "SELECT"): ("r1", "r2"),
        }
    )

    alone, shared = held.split([columns("id", "amount", "day")])

    assert alone == [columns("id")]
    assert shared == [SharedPart(columns("amount"), ("r1",)), SharedPart(columns("day"), ("r1", "r2"))]
    assert shared[1].to_dict() == {
        "grant": f"SELECT on columns day of table sales.orders to {ROLE}",
        "held_by": ["r1", "r2"],
    }


def test_another_grantees_holding_shares_nothing() -> None:
    other_role = f"arn:aws:iam::{ACCOUNT}:role/Other"
    held = Holdings({(other_role, "column:sales.orders.id", "SELECT"): ("r1",)})

    assert held.split([columns("id")]) == ([columns("id")], [])
