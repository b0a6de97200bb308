"""Consumer-side acceptance: RAM through botocore's Stubber, the consumer's Glue catalog on moto."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from lakegate.sharing import accept_invitations as acceptance
from lakegate.sharing.accept_invitations import InvitationCheckIncomplete, accept_invitations
from lakegate.sharing.resource_links import ResourceLinks
from lakegate_offline import call_recorder
from lakegate_offline.in_process_lambda import LambdaContext, load_handler
from lakegate_offline.mesh import REGION
from tests.support.ram_stubs import (
    CENTRAL,
    STRANGER,
    StubbedRam,
    captured_logs,
    glue_resource,
    invitation,
    share_arn,
)

pytestmark = pytest.mark.integration

LINK_DATABASE = "lakegate_shared"
CENTRAL_SHARE = invitation(CENTRAL, "s1")
STRANGERS_SHARE = invitation(STRANGER, "s9")
SHARED = [glue_resource(CENTRAL, "s1", "database/sales"), glue_resource(CENTRAL, "s1", "table/sales/orders")]


def run(ram: StubbedRam, glue: Any) -> dict[str, Any]:
    """The function's logic with these settings (its AWS calls count as the function's)."""
    settings = {
        "CENTRAL_ACCOUNT_ID": CENTRAL,
        "RESOURCE_LINK_PREFIX": "shared_",
        "RESOURCE_LINK_DATABASE": LINK_DATABASE,
    }
    with call_recorder.acting_as("lakegate.handlers.accept_invitations.handler", settings):
        return accept_invitations(
            central_account_id=CENTRAL,
            link_prefix="shared_",
            ram=ram.client,
            links=ResourceLinks(LINK_DATABASE, glue=glue),
        )


def database_target(glue: Any, name: str) -> Any:
    return glue.get_database(Name=name)["Database"].get("TargetDatabase")


def table_target(glue: Any, name: str) -> Any:
    return glue.get_table(DatabaseName=LINK_DATABASE, Name=name)["Table"].get("TargetTable")


def test_only_the_central_accounts_invitation_is_accepted_and_its_database_and_table_are_linked(
    glue: Any,
) -> None:
    # GIVEN a pending invitation from the central account and one from a stranger
    with StubbedRam() as ram:
        ram.invitations([STRANGERS_SHARE, CENTRAL_SHARE])
        ram.accept(CENTRAL_SHARE)  # nothing is queued for the stranger: calling about it would fail
        ram.resources(share_arn(CENTRAL, "s1"), SHARED)

        # WHEN the function runs
        with captured_logs(acceptance.logger) as logs:
            result = run(ram, glue)

        ram.stubber.assert_no_pending_responses()

    # THEN only the central invitation was accepted, and links point at the central catalog
    assert result["accepted"] == [CENTRAL_SHARE["resourceShareInvitationArn"]]
    assert result["links"] == {
        "created": ["shared_sales", "shared_sales_orders"],
        "present": [],
        "clashes": [],
    }
    assert database_target(glue, "shared_sales") == {"CatalogId": CENTRAL, "DatabaseName": "sales"}
    assert table_target(glue, "shared_sales_orders") == {
        "CatalogId": CENTRAL,
        "DatabaseName": "sales",
        "Name": "orders",
    }
    # AND the stranger's invitation is left alone, and logged with who sent it
    assert result["left_alone"] == [
        {"invitation_arn": STRANGERS_SHARE["resourceShareInvitationArn"], "sender_account_id": STRANGER}
    ]
    (warning,) = [record for record in logs if record.levelno == logging.WARNING]
    assert "not from the lakegate central account" in warning.getMessage()
    assert warning.__dict__["sender_account_id"] == STRANGER
    assert warning.__dict__["invitation_arn"] == STRANGERS_SHARE["resourceShareInvitationArn"]


def test_a_second_run_accepts_nothing_and_creates_nothing(glue: Any) -> None:
    with StubbedRam() as ram:
        ram.invitations([CENTRAL_SHARE])
        ram.accept(CENTRAL_SHARE)
        ram.resources(share_arn(CENTRAL, "s1"), SHARED)
        run(ram, glue)
        # RAM now lists the invitation as accepted: it is not accepted again, its share is linked again
        ram.invitations([{**CENTRAL_SHARE, "status": "ACCEPTED"}])
        ram.resources(share_arn(CENTRAL, "s1"), SHARED)

        second = run(ram, glue)

        ram.stubber.assert_no_pending_responses()
    assert second["accepted"] == []
    assert second["links"] == {
        "created": [],
        "present": ["shared_sales", "shared_sales_orders"],
        "clashes": [],
    }


def test_a_concurrent_run_that_got_there_first_is_no_failure(glue: Any) -> None:
    # GIVEN another run accepted the invitation and made the links a moment ago
    glue.create_database(
        DatabaseInput={
            "Name": "shared_sales",
            "TargetDatabase": {"CatalogId": CENTRAL, "DatabaseName": "sales"},
        }
    )
    with StubbedRam() as ram:
        ram.invitations([CENTRAL_SHARE])
        ram.accept_fails(CENTRAL_SHARE, "ResourceShareInvitationAlreadyAcceptedException")
        ram.resources(share_arn(CENTRAL, "s1"), SHARED)

        result = run(ram, glue)

        ram.stubber.assert_no_pending_responses()
    assert result["already_accepted"] == [CENTRAL_SHARE["resourceShareInvitationArn"]]
    assert result["links"]["present"] == ["shared_sales"]
    assert result["links"]["created"] == ["shared_sales_orders"]
    assert result["failures"] == []


def test_a_name_already_taken_is_reported_and_left_as_it_is(glue: Any) -> None:
    # GIVEN the consumer has its own database named like the link, and a link of that name to elsewhere
    glue.create_database(DatabaseInput={"Name": "shared_sales", "Parameters": {"owner": "consumer team"}})
    glue.create_database(DatabaseInput={"Name": LINK_DATABASE})
    glue.create_table(
        DatabaseName=LINK_DATABASE,
        TableInput={
            "Name": "shared_sales_orders",
            "TargetTable": {"CatalogId": STRANGER, "DatabaseName": "sales", "Name": "orders"},
        },
    )
    with StubbedRam() as ram:
        ram.invitations([{**CENTRAL_SHARE, "status": "ACCEPTED"}])
        ram.resources(share_arn(CENTRAL, "s1"), SHARED)

        result = run(ram, glue)

    assert result["links"]["created"] == []
    assert result["links"]["clashes"] == [
        {"name": "shared_sales", "problem": "database shared_sales exists and is not a resource link"},
        {
            "name": "shared_sales_orders",
            "problem": "table lakegate_shared.shared_sales_orders is a resource link to table sales.orders "
            f"of catalog {STRANGER}",
        },
    ]
    database = glue.get_database(Name="shared_sales")["Database"]
    assert database.get("TargetDatabase") is None
    assert database["Parameters"] == {"owner": "consumer team"}
    assert table_target(glue, "shared_sales_orders")["CatalogId"] == STRANGER


def test_every_page_is_read_and_all_tables_of_a_database_is_its_database_link(glue: Any) -> None:
    other = invitation(CENTRAL, "s2", status="ACCEPTED")
    with StubbedRam() as ram:
        ram.invitations([CENTRAL_SHARE], [other])
        ram.accept(CENTRAL_SHARE)
        # s1 (accepted now) is linked after s2 (accepted earlier); each in two pages
        ram.resources(
            share_arn(CENTRAL, "s2"),
            [glue_resource(CENTRAL, "s2", "table/hr/*")],
            [
                {
                    **glue_resource(CENTRAL, "s2", "database/hr"),
                    "arn": f"arn:aws:glue:{REGION}:{CENTRAL}:catalog",
                }
            ],
        )
        ram.resources(
            share_arn(CENTRAL, "s1"),
            [glue_resource(CENTRAL, "s1", "table/sales/orders")],
            [glue_resource(STRANGER, "s1", "database/elsewhere")],  # not the central catalog: skipped
        )

        result = run(ram, glue)

        ram.stubber.assert_no_pending_responses()
    assert result["links"]["created"] == ["shared_hr", "shared_sales_orders"]
    assert database_target(glue, "shared_hr") == {"CatalogId": CENTRAL, "DatabaseName": "hr"}


def test_an_expired_invitation_is_reported_and_a_refused_link_fails_the_run_after_the_rest() -> None:
    expired = invitation(CENTRAL, "s0")
    glue = boto3.client("glue", region_name=REGION)
    with StubbedRam() as ram, Stubber(glue) as glue_stub:
        ram.invitations([expired, CENTRAL_SHARE])
        ram.accept_fails(expired, "ResourceShareInvitationExpiredException")
        ram.accept(CENTRAL_SHARE)
        ram.resources(share_arn(CENTRAL, "s1"), SHARED)
        # Lake Formation refuses the database link (the role is no data lake administrator) ...
        glue_stub.add_client_error(
            "create_database",
            service_error_code="AccessDeniedException",
            service_message="Insufficient Lake Formation permission(s): Required Create Database on Catalog",
        )
        # ... but the table link is still made
        glue_stub.add_response(
            "create_database", {}, {"DatabaseInput": {"Name": LINK_DATABASE, "Description": ANY}}
        )
        glue_stub.add_response("create_table", {}, {"DatabaseName": LINK_DATABASE, "TableInput": ANY})

        with pytest.raises(InvitationCheckIncomplete, match="data lake administrator") as raised:
            run(ram, glue)

        ram.stubber.assert_no_pending_responses()
        glue_stub.assert_no_pending_responses()
    assert "database link shared_sales" in str(raised.value)
    assert "1 step(s) failed" in str(raised.value)


def test_the_handler_reads_its_settings_and_runs_the_check(
    glue: Any, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = load_handler(
        "lakegate.handlers.accept_invitations.handler",
        {"CENTRAL_ACCOUNT_ID": CENTRAL, "RESOURCE_LINK_PREFIX": "from_hub_", "RESOURCE_LINK_DATABASE": "hub"},
    )
    with StubbedRam() as ram:
        # The handler module's own client, answered by the Stubber (moto: "Not yet implemented").
        monkeypatch.setitem(inspect.unwrap(handler).__globals__, "RAM", ram.client)
        ram.invitations([CENTRAL_SHARE])
        ram.accept(CENTRAL_SHARE)
        ram.resources(share_arn(CENTRAL, "s1"), SHARED)

        result = handler({"detail-type": "Scheduled Event", "source": "aws.events"}, lambda_context)

    assert result["links"]["created"] == ["from_hub_sales", "from_hub_sales_orders"]
    assert glue.get_table(DatabaseName="hub", Name="from_hub_sales_orders")["Table"]["TargetTable"][
        "Name"
    ] == ("orders")
