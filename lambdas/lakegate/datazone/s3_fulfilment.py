"""Keeping S3 bucket policies in step with DataZone subscriptions to unmanaged S3 assets.

DataZone fulfils subscriptions to the assets it manages (Glue tables through Lake Formation,
Redshift); for an S3 object collection it only records the grant and waits. This module does the
fulfilment: it reads the subscription the event names, and makes the bucket policy match the
subscription's current status (APPROVED: the subscription's statements present; REVOKED or
CANCELLED: absent), so a repeated or late event is harmless. The result goes back to DataZone as
the grant's status.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from lakegate.core.assumed_role import assumed_client, session_name
from lakegate.core.errors import LakegateError, error_code, raise_if_transient
from lakegate.datazone import bucket_policy
from lakegate.datazone.events import (
    SUBSCRIPTION_CANCELLED,
    SUBSCRIPTION_CREATED,
    SUBSCRIPTION_REVOKED,
    parse_event,
)
from lakegate.datazone.listings import ListingNotUnderstood, S3Location, asset_listing, s3_location
from lakegate.datazone.policy_lock import BucketPolicyLocks

if TYPE_CHECKING:
    from mypy_boto3_datazone import DataZoneClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sts import STSClient

logger = Logger(child=True)

EVENT_TYPES = (SUBSCRIPTION_CREATED, SUBSCRIPTION_CANCELLED, SUBSCRIPTION_REVOKED)
APPROVED = "APPROVED"
MAX_FAILURE_MESSAGE = 1000
POLICY_EDIT_ATTEMPTS = 5
_PRINCIPAL_ARN = re.compile(r"^arn:(aws(?:-cn|-us-gov)?):iam::\d{12}:(?:role|user)/[\w+=,.@/-]+$")


class SubscriptionNotReady(LakegateError):
    """The subscription has no grant yet to fulfil; the event is retried (Lambda retries async events)."""


class FulfilmentRefused(LakegateError):
    """The subscription cannot be fulfilled as asked; the message is the cause DataZone shows."""


class PolicyKeptChanging(LakegateError):
    """The bucket policy changed under every attempt to edit it; the event is retried."""


@dataclass(frozen=True)
class Grant:
    id: str
    environment_id: str
    target_id: str
    asset_ids: tuple[str, ...]


@dataclass(frozen=True)
class PolicyEdit:
    """One change to a bucket policy, and how to tell it is in effect."""

    apply: Callable[[bucket_policy.Policy | None], bucket_policy.Policy | None]
    in_effect: Callable[[bucket_policy.Policy | None], bool]


def fulfil_subscription_event(
    event: Mapping[str, Any],
    *,
    datazone: DataZoneClient,
    locks: BucketPolicyLocks,
    s3_in_account: Callable[[str], S3Client],
    domain_id: str,
    bucket_accounts: Mapping[str, str],
) -> dict[str, Any]:
    """Grant or revoke the event's subscription in its bucket's policy and report it to DataZone."""
    parsed = parse_event(event, expected_types=EVENT_TYPES, domain_id=domain_id)
    subscription_id = parsed.entity_id
    subscription = datazone.get_subscription(domainIdentifier=domain_id, identifier=subscription_id)
    granting = subscription["status"] == APPROVED
    if granting != (parsed.detail_type == SUBSCRIPTION_CREATED):
        logger.info(
            f"event {parsed.detail_type!r}, but the subscription is now {subscription['status']}: "
            "following the status"
        )
    listing = subscription["subscribedListing"]
    grants = list_grants(datazone, domain_id, subscription_id)
    asset_id = asset_listing(listing).get("entityId")
    result: dict[str, Any] = {"subscription_id": subscription_id, "granting": granting}

    try:
        location = s3_location(listing)
    except ListingNotUnderstood as error:
        return {**result, **_report_failure(datazone, domain_id, grants, asset_id, granting, str(error))}
    if location is None:
        logger.info("the subscribed listing is not an S3 object collection; DataZone fulfils it itself")
        return {**result, "action": "none"}
    if granting and not grants:
        raise SubscriptionNotReady(f"subscription {subscription_id} has no subscription grant yet")

    try:
        outcome = _edit_bucket_policy(
            datazone,
            domain_id,
            subscription_id,
            location,
            grants,
            granting=granting,
            account=bucket_account(datazone, domain_id, listing, location, bucket_accounts),
            locks=locks,
            s3_in_account=s3_in_account,
        )
    except FulfilmentRefused as error:
        return {**result, **_report_failure(datazone, domain_id, grants, asset_id, granting, str(error))}
    except ClientError as error:
        raise_if_transient(error, f"editing the policy of bucket {location.bucket}")
        cause = f"{error_code(error)} editing the policy of bucket {location.bucket}: {_message(error)}"
        return {**result, **_report_failure(datazone, domain_id, grants, asset_id, granting, cause)}

    status = "GRANTED" if granting else "REVOKED"
    _report(datazone, domain_id, grants, asset_id, status=status, target_name=location.uri)
    logger.info(
        f"bucket policy of {location.bucket} {outcome}; grants {status}", extra={"location": location.uri}
    )
    return {**result, "action": outcome, "location": location.uri, "status": status}


def policy_editor_s3(account: str, *, role_name: str, sts: STSClient) -> S3Client:
    """An S3 client acting as the producer stack's policy-editor role in ``account``."""
    partition = sts.meta.partition
    role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
    try:
        client: S3Client = assumed_client(
            "s3",
            role_arn=role_arn,
            session_name=session_name("s3-fulfilment"),
            sts=sts,
            region=sts.meta.region_name,
        )
    except ClientError as error:
        raise_if_transient(error, f"assuming {role_arn}")
        raise FulfilmentRefused(
            f"could not assume {role_arn} ({error_code(error)}); deploy the producer stack in account "
            f"{account} with datazone_s3_fulfilment enabled"
        ) from error
    return client


def list_grants(datazone: DataZoneClient, domain_id: str, subscription_id: str) -> list[Grant]:
    """The subscription's grants (one per subscribing environment's subscription target)."""
    grants = []
    paginator = datazone.get_paginator("list_subscription_grants")
    for page in paginator.paginate(domainIdentifier=domain_id, subscriptionId=subscription_id):
        for summary in page["items"]:
            raw: Mapping[str, Any] = summary
            if not raw.get("environmentId") or "assets" not in raw:
                raw = datazone.get_subscription_grant(domainIdentifier=domain_id, identifier=summary["id"])
            grants.append(
                Grant(
                    id=raw["id"],
                    environment_id=str(raw.get("environmentId", "")),
                    target_id=raw["subscriptionTargetId"],
                    asset_ids=tuple(asset["assetId"] for asset in raw.get("assets") or ()),
                )
            )
    return grants


def authorized_principals(datazone: DataZoneClient, domain_id: str, grants: Iterable[Grant]) -> list[str]:
    """The IAM principals of the subscription targets the grants are for."""
    principals: set[str] = set()
    for grant in grants:
        target = datazone.get_subscription_target(
            domainIdentifier=domain_id, environmentIdentifier=grant.environment_id, identifier=grant.target_id
        )
        principals.update(target.get("authorizedPrincipals") or ())
    malformed = sorted(arn for arn in principals if not _PRINCIPAL_ARN.match(arn))
    if malformed:
        raise FulfilmentRefused(
            f"subscription target principals are not IAM role or user ARNs: {', '.join(malformed)}"
        )
    if not principals:
        raise FulfilmentRefused("the subscription targets name no authorized principals to grant to")
    return sorted(principals)


def bucket_account(
    datazone: DataZoneClient,
    domain_id: str,
    listing: Mapping[str, Any],
    location: S3Location,
    bucket_accounts: Mapping[str, str],
) -> str:
    """The account holding the bucket: configured for it, else the one account of the owning project."""
    if location.bucket in bucket_accounts:
        return bucket_accounts[location.bucket]
    accounts: set[str] = set()
    paginator = datazone.get_paginator("list_environments")
    for page in paginator.paginate(domainIdentifier=domain_id, projectIdentifier=listing["ownerProjectId"]):
        accounts.update(str(env["awsAccountId"]) for env in page["items"] if env.get("awsAccountId"))
    if len(accounts) != 1:
        found = ", ".join(sorted(accounts)) or "none"
        raise FulfilmentRefused(
            f"cannot tell which account holds bucket {location.bucket}: the owning project's environments "
            f"are in accounts {found}; map the bucket in the datazone_bucket_accounts setting"
        )
    return accounts.pop()


def edit_policy(s3: S3Client, bucket: str, edit: PolicyEdit, *, attempts: int = POLICY_EDIT_ATTEMPTS) -> str:
    """Read, change and write the bucket policy, again when it changed meanwhile; says what was done.

    Before writing, the policy is read once more and the edit started over if it differs from what the
    change was computed from; after writing, it is read back and the edit repeated if someone else's
    write replaced it.
    """
    for attempt in range(1, attempts + 1):
        text = _read_policy(s3, bucket)
        current = bucket_policy.parse(text)
        if edit.in_effect(current):
            return "unchanged"
        desired = edit.apply(current)
        if _read_policy(s3, bucket) != text:
            logger.info(f"policy of bucket {bucket} changed while being edited; reading it again")
            continue
        if desired is None:
            s3.delete_bucket_policy(Bucket=bucket)
        else:
            s3.put_bucket_policy(Bucket=bucket, Policy=bucket_policy.render(desired))
        if edit.in_effect(bucket_policy.parse(_read_policy(s3, bucket))):
            if desired is None:
                return "deleted"
            return "created" if current is None else "updated"
        logger.warning(f"policy of bucket {bucket} was overwritten right after this edit (attempt {attempt})")
        time.sleep(0.1 * attempt)
    raise PolicyKeptChanging(f"the policy of bucket {bucket} changed under each of {attempts} attempts")


def grant_edit(statements: list[dict[str, Any]]) -> PolicyEdit:
    def in_effect(policy: bucket_policy.Policy | None) -> bool:
        present = bucket_policy.statements(policy)
        return all(statement in present for statement in statements)

    return PolicyEdit(
        apply=lambda policy: bucket_policy.with_statements(policy, statements), in_effect=in_effect
    )


def revoke_edit(sids: Iterable[str]) -> PolicyEdit:
    removed = frozenset(sids)

    def in_effect(policy: bucket_policy.Policy | None) -> bool:
        return not any(statement.get("Sid") in removed for statement in bucket_policy.statements(policy))

    return PolicyEdit(apply=lambda policy: bucket_policy.without_sids(policy, removed), in_effect=in_effect)


def _edit_bucket_policy(
    datazone: DataZoneClient,
    domain_id: str,
    subscription_id: str,
    location: S3Location,
    grants: list[Grant],
    *,
    granting: bool,
    account: str,
    locks: BucketPolicyLocks,
    s3_in_account: Callable[[str], S3Client],
) -> str:
    if granting and not location.prefix:
        raise FulfilmentRefused(
            f"the asset covers the whole bucket {location.bucket}; lakegate shares key prefixes only"
        )
    if granting:
        principals = authorized_principals(datazone, domain_id, grants)
        partition = _PRINCIPAL_ARN.match(principals[0]).group(1)  # type: ignore[union-attr]
        edit = grant_edit(
            bucket_policy.subscription_statements(subscription_id, location, principals, partition=partition)
        )
    else:
        edit = revoke_edit(bucket_policy.subscription_sids(subscription_id))
    s3 = s3_in_account(account)
    with locks.holding(location.bucket):
        return edit_policy(s3, location.bucket, edit)


def _report(
    datazone: DataZoneClient,
    domain_id: str,
    grants: Iterable[Grant],
    asset_id: str | None,
    *,
    status: str,
    target_name: str | None = None,
    failure: str | None = None,
) -> None:
    for grant in grants:
        for grant_asset in grant.asset_ids:
            if asset_id and grant_asset != asset_id:
                continue
            arguments: dict[str, Any] = {
                "domainIdentifier": domain_id,
                "identifier": grant.id,
                "assetIdentifier": grant_asset,
                "status": status,
            }
            if failure is not None:
                arguments["failureCause"] = {"message": failure[:MAX_FAILURE_MESSAGE]}
            if target_name is not None:
                arguments["targetName"] = target_name
            datazone.update_subscription_grant_status(**arguments)


def _report_failure(
    datazone: DataZoneClient,
    domain_id: str,
    grants: Iterable[Grant],
    asset_id: str | None,
    granting: bool,
    cause: str,
) -> dict[str, Any]:
    status = "GRANT_FAILED" if granting else "REVOKE_FAILED"
    logger.error(f"subscription not fulfilled: {cause}", extra={"status": status})
    _report(datazone, domain_id, grants, asset_id, status=status, failure=cause)
    return {"action": "failed", "status": status, "cause": cause}


def _read_policy(s3: S3Client, bucket: str) -> str | None:
    try:
        return s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as error:
        if error_code(error) == "NoSuchBucketPolicy":
            return None
        raise


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", ""))
