"""Deciding one DataZone subscription request by the configured rules.

Only the request the event names is read and decided, and only while it is still ``PENDING``, so a
repeated event, or one for a request a person already decided, changes nothing. A request no rule
decides is left for a person, and the log says why each rule did not apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.catalog.reader import read_table_scope
from lakegate.catalog.sensitivity import assess_scope
from lakegate.core.errors import CatalogItemNotFound, error_code, raise_if_transient
from lakegate.datazone.events import SUBSCRIPTION_REQUEST_CREATED, parse_event
from lakegate.datazone.listings import ListingNotUnderstood, glue_table
from lakegate.datazone.rules import AutoApprovalRules, Rule, SubscriptionFacts

if TYPE_CHECKING:
    from mypy_boto3_datazone import DataZoneClient
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_sns import SNSClient

logger = Logger(child=True)

PENDING = "PENDING"
MAX_DECISION_COMMENT = 4096  # AcceptSubscriptionRequest / RejectSubscriptionRequest decisionComment


def decide_subscription_request(
    event: Mapping[str, Any],
    *,
    datazone: DataZoneClient,
    glue: GlueClient,
    sns: SNSClient,
    rules: AutoApprovalRules,
    domain_id: str,
    default_topic_arn: str,
) -> dict[str, Any]:
    """Accept or reject the event's subscription request by rule, or leave it; returns what was done."""
    parsed = parse_event(event, expected_types=(SUBSCRIPTION_REQUEST_CREATED,), domain_id=domain_id)
    request_id = parsed.entity_id
    request = datazone.get_subscription_request_details(domainIdentifier=domain_id, identifier=request_id)
    if request["status"] != PENDING:
        logger.info(f"subscription request {request_id} is already {request['status']}; nothing to do")
        return {"subscription_request_id": request_id, "action": "none", "status": request["status"]}

    needs_sensitivity = any(rule.not_sensitive for rule in rules.rules)
    facts = subscription_facts(request, glue=glue if needs_sensitivity else None)
    verdict = rules.evaluate(facts)
    if verdict.rule is None:
        logger.info(
            f"subscription request {request_id} left for a person: no rule applies",
            extra={"rules_not_applied": list(verdict.not_applied)},
        )
        return {
            "subscription_request_id": request_id,
            "action": "left_for_person",
            "why": list(verdict.not_applied),
        }

    rule = verdict.rule
    comment = decision_comment(rule)
    if not _decide(datazone, domain_id, request_id, rule, comment):
        return {"subscription_request_id": request_id, "action": "none", "status": "decided elsewhere"}
    logger.info(
        f"subscription request {request_id} {_past(rule)} by rule {rule.name}",
        extra={"rule": rule.name, "decision": rule.decision},
    )
    topic_arn = rules.topic_for(sorted(facts.subscriber_projects), default_topic_arn)
    _notify(sns, topic_arn, request, rule, comment, domain_id)
    return {
        "subscription_request_id": request_id,
        "action": "accepted" if rule.decision == "approve" else "rejected",
        "rule": rule.name,
        "notified": topic_arn,
    }


def subscription_facts(request: Mapping[str, Any], *, glue: GlueClient | None) -> SubscriptionFacts:
    """What the rules look at; sensitivity is read from Glue only when ``glue`` is given."""
    listings = request.get("subscribedListings") or []
    approvers = frozenset(str(listing["ownerProjectId"]) for listing in listings)
    subscribers = frozenset(_principal(principal) for principal in request.get("subscribedPrincipals") or [])
    if glue is None:
        return SubscriptionFacts(approvers, subscribers, sensitive=None, sensitivity_reasons=("not checked",))
    sensitive: bool | None = False
    reasons: list[str] = []
    for listing in listings:
        listing_sensitive, listing_reasons = _listing_sensitivity(listing, glue)
        reasons += listing_reasons
        if listing_sensitive is None and sensitive is False:
            sensitive = None
        elif listing_sensitive:
            sensitive = True
    if not listings:
        sensitive, reasons = None, ["the request names no listing"]
    return SubscriptionFacts(approvers, subscribers, sensitive=sensitive, sensitivity_reasons=tuple(reasons))


def decision_comment(rule: Rule) -> str:
    """The comment DataZone shows the subscriber: the rule's name, its conditions, and its own words."""
    text = f"Decided automatically by lakegate rule '{rule.name}': {rule.describe()}."
    if rule.comment:
        text += f" {rule.comment}"
    return text[:MAX_DECISION_COMMENT]


def _listing_sensitivity(listing: Mapping[str, Any], glue: GlueClient) -> tuple[bool | None, list[str]]:
    name = str(listing.get("name") or listing.get("id"))
    try:
        table = glue_table(listing)
    except ListingNotUnderstood as error:
        return None, [f"listing {name}: {error}"]
    if table is None:
        return None, [f"listing {name} is not a Glue table, so its sensitivity is not known"]
    try:
        scope = read_table_scope(table.database, table.table, glue=glue, catalog_id=table.catalog_id)
    except CatalogItemNotFound as error:
        return None, [f"listing {name}: {error}"]
    except ClientError as error:
        raise_if_transient(error, f"reading table {table.name}")
        return None, [f"listing {name}: could not read table {table.name} ({error_code(error)})"]
    sensitivity = assess_scope(scope)
    return sensitivity.sensitive, list(sensitivity.reasons)


def _decide(datazone: DataZoneClient, domain_id: str, request_id: str, rule: Rule, comment: str) -> bool:
    """Accept or reject; False when the request was decided by someone else in the meantime."""
    try:
        if rule.decision == "approve":
            datazone.accept_subscription_request(
                domainIdentifier=domain_id, identifier=request_id, decisionComment=comment
            )
        else:
            datazone.reject_subscription_request(
                domainIdentifier=domain_id, identifier=request_id, decisionComment=comment
            )
    except ClientError as error:
        if error_code(error) != "ConflictException":
            raise_if_transient(error, f"deciding subscription request {request_id}")
            raise
        current = datazone.get_subscription_request_details(domainIdentifier=domain_id, identifier=request_id)
        if current["status"] == PENDING:
            raise
        logger.info(f"subscription request {request_id} was decided meanwhile: {current['status']}")
        return False
    return True


def _notify(
    sns: SNSClient, topic_arn: str, request: Mapping[str, Any], rule: Rule, comment: str, domain_id: str
) -> None:
    listings = ", ".join(
        f"{listing.get('name')} (project {listing.get('ownerProjectName') or listing.get('ownerProjectId')})"
        for listing in request.get("subscribedListings") or []
    )
    subscribers = ", ".join(sorted(_principal_name(p) for p in request.get("subscribedPrincipals") or []))
    lines = [
        f"The subscription request {request['id']} in DataZone domain {domain_id} was {_past(rule)} "
        f"automatically by lakegate rule '{rule.name}'.",
        "",
        f"Listings: {listings}",
        f"Subscriber: {subscribers}",
        f"Requested by: {request.get('createdBy', 'unknown')}",
        f"Reason given: {request.get('requestReason', '')}",
        f"Decision: {rule.decision}",
        f"Rule: {rule.name}",
        f"Decision comment: {comment}",
    ]
    sns.publish(
        TopicArn=topic_arn,
        Subject=f"lakegate: subscription request {_past(rule)} by rule"[:100],
        Message="\n".join(lines),
        MessageAttributes={
            "decision": {"DataType": "String", "StringValue": rule.decision},
            "rule": {"DataType": "String", "StringValue": rule.name},
            "domain_id": {"DataType": "String", "StringValue": domain_id},
            "subscription_request_id": {"DataType": "String", "StringValue": str(request["id"])},
        },
    )


def _principal(principal: Mapping[str, Any]) -> str:
    """A subscribing project's id; other kinds of principal as ``kind:id`` so no project rule matches them."""
    for kind, value in principal.items():
        identity = value.get("principalArn") if kind == "iam" else value.get("id")
        return str(identity) if kind == "project" else f"{kind}:{identity}"
    return "unknown:"


def _principal_name(principal: Mapping[str, Any]) -> str:
    project = principal.get("project")
    if project is not None:
        return f"project {project.get('name') or project.get('id')} ({project.get('id')})"
    return _principal(principal)


def _past(rule: Rule) -> str:
    return "approved" if rule.decision == "approve" else "rejected"
