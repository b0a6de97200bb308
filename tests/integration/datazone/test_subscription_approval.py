"""Rule-based decisions on DataZone subscription requests: DataZone through the Stubber, Glue and SNS on moto.

The Stubber fails any call a test did not queue, so each test also shows what was NOT done: no
other request read, nothing accepted when a person must decide, no second decision on a repeat.
"""

from __future__ import annotations

import inspect
from typing import Any

import boto3
import pytest

from lakegate.core.errors import InvalidEvent
from lakegate.datazone import subscription_approval as approval_module
from lakegate.datazone.rules import AutoApprovalRules, parse_rules, parse_rules_json
from lakegate.datazone.subscription_approval import decide_subscription_request, decision_comment
from lakegate_offline import call_recorder
from lakegate_offline.catalog_builder import create_database, create_table
from lakegate_offline.in_process_lambda import LambdaContext, load_handler
from lakegate_offline.mesh import REGION
from tests.support.datazone_stubs import (
    DOMAIN,
    OWNER_PROJECT,
    SUBSCRIBER_PROJECT,
    StubbedDataZone,
    event,
    glue_listing,
    project,
    s3_listing,
    subscription_request,
)
from tests.support.ram_stubs import captured_logs
from tests.support.topic_capture import captured_topic, published

pytestmark = pytest.mark.integration

CREATED = "Subscription Request Created"
UNTRUSTED_PROJECT = "9zz9untrusted1"
SANDBOX_PROJECT = "sandbox0project"
TRUSTED_RULE = "trusted-analytics"
NOT_SENSITIVE_RULE = "non-sensitive-glue-tables"
SANDBOX_RULE = "no-sandbox-projects"


@pytest.fixture
def catalog(glue: Any) -> Any:
    """``sales.orders`` with nothing flagged, ``sales.customers`` with a pii_flag column."""
    create_database(glue, "sales", data_owner="222222222222")
    create_table(glue, "sales", "orders", columns=["order_id", "amount"])
    create_table(glue, "sales", "customers", columns=["customer_id", ("email", {"pii_flag": "true"})])
    return glue


@pytest.fixture
def topics(aws: None) -> dict[str, dict[str, str]]:
    return {
        "default": captured_topic("subscription-decisions"),
        "marketing": captured_topic("marketing-team"),
    }


def rules_for(topics: dict[str, dict[str, str]]) -> AutoApprovalRules:
    return parse_rules(
        {
            "rules": [
                {"name": TRUSTED_RULE, "decision": "approve", "subscriber_projects": ["trusted0project"]},
                {"name": NOT_SENSITIVE_RULE, "decision": "approve", "not_sensitive": True},
                {
                    "name": SANDBOX_RULE,
                    "decision": "reject",
                    "subscriber_projects": [SANDBOX_PROJECT],
                    "comment": "Sandbox projects may not hold production data.",
                },
            ],
            "notification_topics": {SUBSCRIBER_PROJECT: topics["marketing"]["topic_arn"]},
        }
    )


def decide(dz: StubbedDataZone, topics: dict[str, dict[str, str]], request_id: str) -> dict[str, Any]:
    return decide_subscription_request(
        event(CREATED, request_id),
        datazone=dz.client,
        glue=boto3.client("glue", region_name=REGION),
        sns=boto3.client("sns", region_name=REGION),
        rules=rules_for(topics),
        domain_id=DOMAIN,
        default_topic_arn=topics["default"]["topic_arn"],
    )


NOT_SENSITIVE_COMMENT = (
    f"Decided automatically by lakegate rule '{NOT_SENSITIVE_RULE}': no requested listing is sensitive."
)


def test_a_request_for_a_table_with_nothing_flagged_is_accepted_and_the_requester_told(
    catalog: Any, topics: dict[str, dict[str, str]]
) -> None:
    request = subscription_request("req1orders", [glue_listing("sales", "orders")])
    with StubbedDataZone() as dz:
        dz.request_details(request)
        dz.accept(request, NOT_SENSITIVE_COMMENT)

        result = decide(dz, topics, "req1orders")

        dz.stubber.assert_no_pending_responses()
    assert result == {
        "subscription_request_id": "req1orders",
        "action": "accepted",
        "rule": NOT_SENSITIVE_RULE,
        "notified": topics["marketing"]["topic_arn"],
    }
    assert published(topics["default"]) == []
    (message,) = published(topics["marketing"])
    assert message["Subject"] == "lakegate: subscription request approved by rule"
    assert f"was approved automatically by lakegate rule '{NOT_SENSITIVE_RULE}'" in message["Message"]
    assert "Listings: sales.orders (project sales-producers)" in message["Message"]
    assert f"Subscriber: project marketing-analytics ({SUBSCRIBER_PROJECT})" in message["Message"]
    assert {name: value["Value"] for name, value in message["MessageAttributes"].items()} == {
        "decision": "approve",
        "rule": NOT_SENSITIVE_RULE,
        "domain_id": DOMAIN,
        "subscription_request_id": "req1orders",
    }


def test_a_request_touching_a_flagged_column_is_left_for_a_person_and_the_log_says_why(
    catalog: Any, topics: dict[str, dict[str, str]]
) -> None:
    request = subscription_request("req2customers", [glue_listing("sales", "customers")])
    with StubbedDataZone() as dz, captured_logs(approval_module.logger) as logs:
        dz.request_details(request)  # nothing else queued: an accept or reject would fail the test

        result = decide(dz, topics, "req2customers")

        dz.stubber.assert_no_pending_responses()
    assert result["action"] == "left_for_person"
    assert result["why"] == [
        f"{SANDBOX_RULE}: subscribing project {SUBSCRIBER_PROJECT} is not in its list",
        f"{TRUSTED_RULE}: subscribing project {SUBSCRIBER_PROJECT} is not in its list",
        f"{NOT_SENSITIVE_RULE}: sensitive: column sales.customers.email is flagged pii_flag",
    ]
    (record,) = [r for r in logs if "left for a person" in r.getMessage()]
    assert record.__dict__["rules_not_applied"] == result["why"]
    assert published(topics["default"]) == published(topics["marketing"]) == []


def test_a_listing_that_is_not_a_glue_table_is_never_taken_for_not_sensitive(
    catalog: Any, topics: dict[str, dict[str, str]]
) -> None:
    request = subscription_request("req3s3", [s3_listing("arn:aws:s3:::sales-raw/exports/")])
    with StubbedDataZone() as dz:
        dz.request_details(request)

        result = decide(dz, topics, "req3s3")

    assert result["action"] == "left_for_person"
    assert result["why"][-1] == (
        f"{NOT_SENSITIVE_RULE}: sensitivity unknown: listing sales-raw/exports/ is not a Glue table, "
        "so its sensitivity is not known"
    )


def test_a_reject_rule_wins_over_an_approve_rule_and_its_comment_reaches_datazone(
    catalog: Any, topics: dict[str, dict[str, str]]
) -> None:
    request = subscription_request(
        "req4sandbox", [glue_listing("sales", "orders")], principals=[project(SANDBOX_PROJECT, "sandbox")]
    )
    comment = (
        f"Decided automatically by lakegate rule '{SANDBOX_RULE}': the subscribing project is "
        f"{SANDBOX_PROJECT}. Sandbox projects may not hold production data."
    )
    settings = {"DATAZONE_DOMAIN_ID": DOMAIN, "DECISION_TOPIC_ARN": topics["default"]["topic_arn"]}
    with (
        StubbedDataZone() as dz,
        call_recorder.acting_as("lakegate.handlers.approve_subscription_requests.handler", settings),
    ):
        dz.request_details(request)
        dz.reject(request, comment)

        result = decide(dz, topics, "req4sandbox")

        dz.stubber.assert_no_pending_responses()
    assert result["action"] == "rejected"
    (message,) = published(topics["default"])  # the sandbox project has no topic of its own
    assert message["Subject"] == "lakegate: subscription request rejected by rule"
    assert message["MessageAttributes"]["decision"]["Value"] == "reject"


def test_an_approver_allow_list_rule_decides_without_reading_glue(topics: dict[str, dict[str, str]]) -> None:
    rules = parse_rules(
        {
            "rules": [
                {"name": "finance-self-serve", "decision": "approve", "approver_projects": [OWNER_PROJECT]}
            ]
        }
    )
    request = subscription_request("req5finance", [glue_listing("finance", "ledger")])
    comment = "Decided automatically by lakegate rule 'finance-self-serve': the approving project is " + (
        f"{OWNER_PROJECT}."
    )
    with StubbedDataZone() as dz:
        dz.request_details(request)
        dz.accept(request, comment)

        result = decide_subscription_request(
            event(CREATED, "req5finance"),
            datazone=dz.client,
            glue=None,  # type: ignore[arg-type]  # no rule needs sensitivity, so Glue is never asked
            sns=boto3.client("sns", region_name=REGION),
            rules=rules,
            domain_id=DOMAIN,
            default_topic_arn=topics["default"]["topic_arn"],
        )

    assert result["rule"] == "finance-self-serve"


def test_a_repeated_event_finds_the_request_decided_and_does_nothing_more(
    catalog: Any, topics: dict[str, dict[str, str]]
) -> None:
    request = subscription_request("req1orders", [glue_listing("sales", "orders")])
    with StubbedDataZone() as dz:
        dz.request_details(request)
        dz.accept(request, NOT_SENSITIVE_COMMENT)
        dz.request_details({**request, "status": "ACCEPTED"})

        first = decide(dz, topics, "req1orders")
        second = decide(dz, topics, "req1orders")

        dz.stubber.assert_no_pending_responses()
    assert first["action"] == "accepted"
    assert second == {"subscription_request_id": "req1orders", "action": "none", "status": "ACCEPTED"}
    assert len(published(topics["marketing"])) == 1


def test_a_request_a_person_decides_first_is_left_alone_without_a_notification(
    catalog: Any, topics: dict[str, dict[str, str]]
) -> None:
    request = subscription_request("req6race", [glue_listing("sales", "orders")])
    with StubbedDataZone() as dz:
        dz.request_details(request)
        dz.decide_fails("accept_subscription_request", "req6race", "ConflictException")
        dz.request_details({**request, "status": "REJECTED"})

        result = decide(dz, topics, "req6race")

    assert result["action"] == "none"
    assert published(topics["marketing"]) == []


def _without_request_id() -> dict[str, Any]:
    no_id = event(CREATED, "req7")
    del no_id["detail"]["metadata"]["id"]
    return no_id


@pytest.mark.parametrize(
    ("bad_event", "message"),
    [
        (
            event(CREATED, "req7", domain="dzd_otherdomain1"),
            r"detail\.metadata\.domain: dzd_otherdomain1 is not",
        ),
        (_without_request_id(), r"detail\.metadata\.id: expected a DataZone identifier, got None"),
        (
            {**event(CREATED, "req7"), "source": "lakegate"},
            r"source: expected 'aws\.datazone', got 'lakegate'",
        ),
        (event("Subscription Created", "req7"), r"detail-type: expected one of Subscription Request Created"),
    ],
)
def test_an_event_that_is_not_this_domains_request_created_is_refused_naming_the_field(
    bad_event: dict[str, Any], message: str, topics: dict[str, dict[str, str]]
) -> None:
    with StubbedDataZone() as dz, pytest.raises(InvalidEvent, match=message):  # and DataZone never called
        decide_subscription_request(
            bad_event,
            datazone=dz.client,
            glue=boto3.client("glue", region_name=REGION),
            sns=boto3.client("sns", region_name=REGION),
            rules=rules_for(topics),
            domain_id=DOMAIN,
            default_topic_arn=topics["default"]["topic_arn"],
        )


def test_the_handler_loads_its_rules_and_topic_from_the_environment(
    catalog: Any,
    topics: dict[str, dict[str, str]],
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with open("datazone-rules.json", encoding="utf-8") as shipped:
        rules_json = shipped.read()
    handler = load_handler(
        "lakegate.handlers.approve_subscription_requests.handler",
        {
            "DATAZONE_DOMAIN_ID": DOMAIN,
            "AUTO_APPROVAL_RULES": rules_json,
            "DECISION_TOPIC_ARN": topics["default"]["topic_arn"],
        },
    )
    request = subscription_request("req8orders", [glue_listing("sales", "orders")])
    (shipped_rule,) = parse_rules_json(rules_json).rules
    with StubbedDataZone() as dz:
        monkeypatch.setitem(inspect.unwrap(handler).__globals__, "DATAZONE", dz.client)
        dz.request_details(request)
        dz.accept(request, decision_comment(shipped_rule))

        result = handler(event(CREATED, "req8orders"), lambda_context)

    assert result["action"] == "accepted"
    (message,) = published(topics["default"])
    assert message["MessageAttributes"]["rule"]["Value"] == NOT_SENSITIVE_RULE
