"""Which RAM invitations the consumer accepts, and which resource links their shares get."""

from __future__ import annotations

import uuid

from lakegate.sharing.accept_invitations import Invitation, client_token, triage
from lakegate.sharing.shared_resources import (
    LinkPlan,
    SharedItem,
    database_link_name,
    plan_links,
    shared_item,
    table_link_name,
)

CENTRAL = "111111111111"
STRANGER = "999999999999"


def invitation(sender: str, status: str, name: str = "a") -> Invitation:
    return Invitation(
        arn=f"arn:aws:ram:us-east-1:{sender}:resource-share-invitation/{name}",
        share_arn=f"arn:aws:ram:us-east-1:{sender}:resource-share/{name}",
        share_name=f"LakeFormation-V4-{name}",
        sender_account_id=sender,
        status=status,
    )


def test_only_pending_invitations_from_the_central_account_are_accepted() -> None:
    central_pending = invitation(CENTRAL, "PENDING", "mine")
    stranger_pending = invitation(STRANGER, "PENDING", "theirs")

    sorted_out = triage([central_pending, stranger_pending], central_account_id=CENTRAL)

    assert sorted_out.to_accept == (central_pending,)
    assert sorted_out.left_alone == (stranger_pending,)


def test_invitations_no_longer_pending_are_never_accepted_again() -> None:
    accepted = invitation(CENTRAL, "ACCEPTED", "old")
    expired = invitation(CENTRAL, "EXPIRED", "late")
    rejected = invitation(CENTRAL, "REJECTED", "no")
    strangers_accepted = invitation(STRANGER, "ACCEPTED", "theirs")

    sorted_out = triage([accepted, expired, rejected, strangers_accepted], central_account_id=CENTRAL)

    assert sorted_out.to_accept == ()
    assert sorted_out.accepted == (accepted,)  # its share is linked again on every run
    assert sorted_out.lapsed == (expired, rejected)
    assert sorted_out.left_alone == ()  # someone else's accepted share is none of lakegate's business


def test_a_sender_is_the_central_account_only_by_its_exact_id() -> None:
    lookalikes = [
        invitation(sender, "PENDING") for sender in ("11111111111", "1111111111112", " 111111111111")
    ]

    sorted_out = triage(lookalikes, central_account_id=CENTRAL)

    assert sorted_out.to_accept == ()
    assert sorted_out.left_alone == tuple(lookalikes)


def test_every_attempt_to_accept_one_invitation_uses_the_same_client_token() -> None:
    arn = invitation(CENTRAL, "PENDING").arn

    assert client_token(arn) == client_token(arn)
    assert client_token(arn) != client_token(arn + "x")
    assert uuid.UUID(client_token(arn)).version == 5


def test_database_and_table_arns_name_the_shared_items() -> None:
    assert shared_item(f"arn:aws:glue:us-east-1:{CENTRAL}:database/sales") == SharedItem(CENTRAL, "sales")
    assert shared_item(f"arn:aws:glue:us-east-1:{CENTRAL}:table/sales/orders") == SharedItem(
        CENTRAL, "sales", "orders"
    )


def test_all_tables_of_a_database_is_the_database() -> None:
    assert shared_item(f"arn:aws:glue:us-east-1:{CENTRAL}:table/sales/*") == SharedItem(CENTRAL, "sales")


def test_anything_else_is_not_a_shared_item() -> None:
    for arn in (
        f"arn:aws:glue:us-east-1:{CENTRAL}:catalog",
        f"arn:aws:glue:us-east-1:{CENTRAL}:table/sales",
        f"arn:aws:glue:us-east-1:{CENTRAL}:database/sales/orders",
        f"arn:aws:s3:::{CENTRAL}-bucket",
        "not an arn",
    ):
        assert shared_item(arn) is None, arn


def test_link_names_carry_the_prefix_and_are_lower_case() -> None:
    assert database_link_name("shared_", "Sales") == "shared_sales"
    assert table_link_name("shared_", "sales", "Orders") == "shared_sales_orders"


def test_each_shared_item_gets_one_link_database_links_first() -> None:
    orders = SharedItem(CENTRAL, "sales", "orders")
    sales = SharedItem(CENTRAL, "sales")
    hr = SharedItem(CENTRAL, "hr")

    plans = plan_links([orders, sales, hr, orders, sales], prefix="shared_")

    assert plans == [
        LinkPlan("shared_hr", hr),
        LinkPlan("shared_sales", sales),
        LinkPlan("shared_sales_orders", orders),
    ]
    assert [plan.is_table for plan in plans] == [False, False, True]
