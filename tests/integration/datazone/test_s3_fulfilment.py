"""Fulfilling DataZone subscriptions to S3 assets: DataZone through the Stubber; S3, STS, DynamoDB on moto.

The bucket lives in the producer account and is reached, as in AWS, through the policy-editor role
assumed there.
"""

from __future__ import annotations

import copy
import inspect
import json
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from lakegate.datazone.bucket_policy import subscription_sids
from lakegate.datazone.policy_lock import BucketPolicyLocks
from lakegate.datazone.s3_fulfilment import SubscriptionNotReady, fulfil_subscription_event, policy_editor_s3
from lakegate_offline import call_recorder
from lakegate_offline.in_process_lambda import LambdaContext, load_handler
from lakegate_offline.mesh import REGION
from tests.support.datazone_stubs import (
    CONSUMER_ACCOUNT,
    DOMAIN,
    OWNER_PROJECT,
    PRODUCER_ACCOUNT,
    StubbedDataZone,
    event,
    glue_listing,
    grant,
    s3_listing,
    subscription,
)

pytestmark = pytest.mark.integration

BUCKET = "sales-raw"
ASSET_ARN = f"arn:aws:s3:::{BUCKET}/exports/"
ROLE_NAME = "LakegateS3PolicyEditor"
LOCK_TABLE = "lakegate-policy-locks"
HANDLER = "lakegate.handlers.fulfil_s3_subscriptions.handler"
ANALYST = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/datazone_usr_role_analytics"
SCIENTIST = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/datazone_usr_role_science"
FOREIGN_POLICY = {
    "Version": "2012-10-17",
    "Id": "producer-managed",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/etl"},
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Action": ["s3:PutObject", "s3:GetObject"],
        },
    ],
}


def producer_s3() -> Any:
    """An S3 client of the producer account, through the role the producer stack creates."""
    return policy_editor_s3(
        PRODUCER_ACCOUNT, role_name=ROLE_NAME, sts=boto3.client("sts", region_name=REGION)
    )


@pytest.fixture
def bucket(aws: None) -> Any:
    s3 = producer_s3()
    s3.create_bucket(Bucket=BUCKET)
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=LOCK_TABLE,
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return s3


def policy(s3: Any) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchBucketPolicy"
        return None
    return document


def locks() -> BucketPolicyLocks:
    return BucketPolicyLocks(LOCK_TABLE, dynamodb=boto3.client("dynamodb", region_name=REGION))


def fulfil(
    dz: StubbedDataZone,
    detail_type: str,
    subscription_id: str,
    *,
    s3_in_account: Callable[[str], Any] | None = None,
    bucket_accounts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The function's logic with its handler's settings (its AWS calls count as the function's)."""
    accounts = {BUCKET: PRODUCER_ACCOUNT} if bucket_accounts is None else bucket_accounts
    with call_recorder.acting_as(HANDLER, handler_environment(accounts)):
        return fulfil_subscription_event(
            event(detail_type, subscription_id),
            datazone=dz.client,
            locks=locks(),
            s3_in_account=s3_in_account
            or partial(policy_editor_s3, role_name=ROLE_NAME, sts=boto3.client("sts", region_name=REGION)),
            domain_id=DOMAIN,
            bucket_accounts=accounts,
        )


def handler_environment(bucket_accounts: dict[str, str]) -> dict[str, str]:
    return {
        "DATAZONE_DOMAIN_ID": DOMAIN,
        "S3_POLICY_ROLE_NAME": ROLE_NAME,
        "BUCKET_ACCOUNTS": json.dumps(bucket_accounts),
        "POLICY_LOCK_TABLE": LOCK_TABLE,
    }


def queue_grant(
    dz: StubbedDataZone, subscription_id: str, principals: list[str], *, listing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The subscription APPROVED, its one grant, the grant's target principals, and the GRANTED report."""
    granted = grant(f"grant-{subscription_id}", subscription_id, env=f"env-{subscription_id}")
    dz.subscription(subscription(subscription_id, listing or s3_listing(ASSET_ARN)))
    dz.grants(subscription_id, [granted])
    dz.target(f"env-{subscription_id}", principals)
    dz.grant_status(granted, "GRANTED", targetName=f"s3://{BUCKET}/exports/")
    return granted


def queue_revoke(dz: StubbedDataZone, subscription_id: str, status: str = "REVOKED") -> None:
    granted = grant(f"grant-{subscription_id}", subscription_id, env=f"env-{subscription_id}")
    dz.subscription(subscription(subscription_id, s3_listing(ASSET_ARN), status=status))
    dz.grants(subscription_id, [granted])
    dz.grant_status(granted, "REVOKED", targetName=f"s3://{BUCKET}/exports/")


def subscription_statements(document: dict[str, Any] | None, subscription_id: str) -> list[dict[str, Any]]:
    sids = set(subscription_sids(subscription_id))
    return [s for s in (document or {}).get("Statement", []) if s.get("Sid") in sids]


def test_the_first_subscription_creates_the_policy_allowing_reads_and_listing_under_the_prefix_only(
    bucket: Any,
) -> None:
    with StubbedDataZone() as dz:
        queue_grant(dz, "sub1", [SCIENTIST, ANALYST])

        result = fulfil(dz, "Subscription Created", "sub1")

        dz.stubber.assert_no_pending_responses()
    assert result["action"] == "created"
    objects_sid, list_sid = subscription_sids("sub1")
    assert policy(bucket) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": objects_sid,
                "Effect": "Allow",
                "Principal": {"AWS": [ANALYST, SCIENTIST]},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/exports/*",
            },
            {
                "Sid": list_sid,
                "Effect": "Allow",
                "Principal": {"AWS": [ANALYST, SCIENTIST]},
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{BUCKET}",
                "Condition": {"StringLike": {"s3:prefix": ["exports/*"]}},
            },
        ],
    }


def test_the_bucket_is_the_producer_accounts_and_is_reached_through_its_policy_editor_role(
    bucket: Any,
) -> None:
    asked: list[str] = []

    def recording_s3(account: str) -> Any:
        asked.append(account)
        return policy_editor_s3(account, role_name=ROLE_NAME, sts=boto3.client("sts", region_name=REGION))

    with StubbedDataZone() as dz:
        queue_grant(dz, "sub1", [ANALYST])
        fulfil(dz, "Subscription Created", "sub1", s3_in_account=recording_s3)

    assert asked == [PRODUCER_ACCOUNT]
    assert [b["Name"] for b in bucket.list_buckets()["Buckets"]] == [BUCKET]
    assert boto3.client("s3", region_name=REGION).list_buckets()["Buckets"] == []  # not the central account's


def test_other_statements_are_kept_exactly_and_removing_ours_restores_the_original_policy(
    bucket: Any,
) -> None:
    bucket.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(FOREIGN_POLICY))
    with StubbedDataZone() as dz:
        queue_grant(dz, "sub1", [ANALYST])
        queue_revoke(dz, "sub1")

        granted = fulfil(dz, "Subscription Created", "sub1")
        with_ours = policy(bucket)
        revoked = fulfil(dz, "Subscription Revoked", "sub1")

        dz.stubber.assert_no_pending_responses()
    assert (granted["action"], revoked["action"]) == ("updated", "updated")
    assert with_ours is not None
    assert json.dumps(with_ours["Statement"][:2]) == json.dumps(FOREIGN_POLICY["Statement"])
    assert with_ours["Id"] == "producer-managed"
    assert len(subscription_statements(with_ours, "sub1")) == 2
    assert json.dumps(policy(bucket)) == json.dumps(FOREIGN_POLICY)  # same keys, same order, same values


def test_removing_the_last_statement_deletes_the_policy_and_a_repeat_changes_nothing(bucket: Any) -> None:
    with StubbedDataZone() as dz:
        queue_grant(dz, "sub1", [ANALYST])
        queue_revoke(dz, "sub1", status="CANCELLED")
        queue_revoke(dz, "sub1", status="CANCELLED")

        fulfil(dz, "Subscription Created", "sub1")
        cancelled = fulfil(dz, "Subscription Cancelled", "sub1")
        repeated = fulfil(dz, "Subscription Cancelled", "sub1")

        dz.stubber.assert_no_pending_responses()
    assert cancelled["action"] == "deleted"
    assert repeated["action"] == "unchanged"
    assert policy(bucket) is None


def test_a_late_created_event_for_a_revoked_subscription_follows_the_subscription_status(bucket: Any) -> None:
    with StubbedDataZone() as dz:
        queue_grant(dz, "sub1", [ANALYST])
        queue_revoke(dz, "sub1")

        fulfil(dz, "Subscription Created", "sub1")
        late = fulfil(dz, "Subscription Created", "sub1")

    assert (late["granting"], late["status"]) == (False, "REVOKED")
    assert policy(bucket) is None


class SlowWrites:
    """The producer S3 client, pausing before each policy write.

    Two edits that are not taken in turn would both pass their check that the policy is unchanged,
    and the later write would replace the earlier one after the earlier edit had confirmed it.
    """

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def put_bucket_policy(self, **kwargs: Any) -> Any:
        time.sleep(0.1)
        return self._s3.put_bucket_policy(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


def test_two_concurrent_subscriptions_on_one_bucket_both_end_up_in_the_policy(bucket: Any) -> None:
    start = threading.Barrier(2)
    results: dict[str, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def run(subscription_id: str, principal: str) -> None:
        try:
            with StubbedDataZone() as dz:
                queue_grant(dz, subscription_id, [principal])
                slow = SlowWrites(producer_s3())
                start.wait()
                results[subscription_id] = fulfil(
                    dz, "Subscription Created", subscription_id, s3_in_account=lambda _: slow
                )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=("sub1", ANALYST)),
        threading.Thread(target=run, args=("sub2", SCIENTIST)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(result["action"] for result in results.values()) == ["created", "updated"]
    final = policy(bucket)
    assert len(subscription_statements(final, "sub1")) == 2
    assert len(subscription_statements(final, "sub2")) == 2


class ChangedUnderfoot:
    """The producer S3 client; another writer adds a statement right after lakegate's first read."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self.reads = 0

    def get_bucket_policy(self, **kwargs: Any) -> Any:
        response = self._s3.get_bucket_policy(**kwargs)
        self.reads += 1
        if self.reads == 1:
            changed = copy.deepcopy(FOREIGN_POLICY)
            changed["Statement"].append({**FOREIGN_POLICY["Statement"][1], "Sid": "AddedMeanwhile"})
            self._s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(changed))
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


def test_a_policy_changed_between_read_and_write_is_read_again_and_nothing_is_lost(bucket: Any) -> None:
    bucket.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(FOREIGN_POLICY))
    underfoot = ChangedUnderfoot(bucket)
    with StubbedDataZone() as dz:
        queue_grant(dz, "sub1", [ANALYST])

        fulfil(dz, "Subscription Created", "sub1", s3_in_account=lambda _: underfoot)

    final = policy(bucket)
    assert final is not None
    assert [s.get("Sid") for s in final["Statement"]] == [
        "DenyInsecureTransport",
        None,
        "AddedMeanwhile",
        *subscription_sids("sub1"),
    ]


def test_an_asset_covering_a_whole_bucket_is_refused_and_datazone_told_why(bucket: Any) -> None:
    whole = s3_listing(f"arn:aws:s3:::{BUCKET}")
    granted = grant("grant-sub1", "sub1", env="env-sub1")
    cause = f"the asset covers the whole bucket {BUCKET}; lakegate shares key prefixes only"
    with StubbedDataZone() as dz:
        dz.subscription(subscription("sub1", whole))
        dz.grants("sub1", [granted])
        dz.grant_status(granted, "GRANT_FAILED", failureCause={"message": cause})

        result = fulfil(dz, "Subscription Created", "sub1")

        dz.stubber.assert_no_pending_responses()
    assert (result["action"], result["cause"]) == ("failed", cause)
    assert policy(bucket) is None


def test_a_producer_account_without_the_role_fails_the_grant_naming_the_role(bucket: Any) -> None:
    sts = boto3.client("sts", region_name=REGION)
    role_arn = f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/{ROLE_NAME}"
    granted = grant("grant-sub1", "sub1", env="env-sub1")
    with StubbedDataZone() as dz, Stubber(sts) as denied:
        denied.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)
        dz.subscription(subscription("sub1", s3_listing(ASSET_ARN)))
        dz.grants("sub1", [granted])
        dz.target("env-sub1", [ANALYST])
        dz.grant_status(
            granted,
            "GRANT_FAILED",
            failureCause={
                "message": f"could not assume {role_arn} (AccessDenied); deploy the producer stack in "
                f"account {PRODUCER_ACCOUNT} with datazone_s3_fulfilment enabled"
            },
        )

        result = fulfil(
            dz,
            "Subscription Created",
            "sub1",
            s3_in_account=partial(policy_editor_s3, role_name=ROLE_NAME, sts=sts),
        )

        dz.stubber.assert_no_pending_responses()
    assert result["status"] == "GRANT_FAILED"


def test_an_unmapped_bucket_is_found_in_the_owning_projects_account_or_refused_when_ambiguous(
    bucket: Any,
) -> None:
    with StubbedDataZone() as dz:
        dz.subscription(subscription("sub1", s3_listing(ASSET_ARN)))
        granted = grant("grant-sub1", "sub1", env="env-sub1")
        dz.grants("sub1", [granted])
        dz.environments(OWNER_PROJECT, [PRODUCER_ACCOUNT, PRODUCER_ACCOUNT])
        dz.target("env-sub1", [ANALYST])
        dz.grant_status(granted, "GRANTED", targetName=f"s3://{BUCKET}/exports/")

        found = fulfil(dz, "Subscription Created", "sub1", bucket_accounts={})

        dz.subscription(subscription("sub2", s3_listing(ASSET_ARN)))
        other = grant("grant-sub2", "sub2", env="env-sub2")
        dz.grants("sub2", [other])
        dz.environments(OWNER_PROJECT, [PRODUCER_ACCOUNT, CONSUMER_ACCOUNT])
        dz.grant_status(
            other,
            "GRANT_FAILED",
            failureCause={
                "message": f"cannot tell which account holds bucket {BUCKET}: the owning project's "
                f"environments are in accounts {PRODUCER_ACCOUNT}, {CONSUMER_ACCOUNT}; map the bucket in "
                "the datazone_bucket_accounts setting"
            },
        )

        ambiguous = fulfil(dz, "Subscription Created", "sub2", bucket_accounts={})

        dz.stubber.assert_no_pending_responses()
    assert found["status"] == "GRANTED"
    assert ambiguous["status"] == "GRANT_FAILED"


def test_a_glue_table_subscription_is_left_to_datazone(bucket: Any) -> None:
    with StubbedDataZone() as dz:
        dz.subscription(subscription("sub1", glue_listing("sales", "orders")))
        dz.grants("sub1", [grant("grant-sub1", "sub1", asset_id="asset-1")])

        result = fulfil(dz, "Subscription Created", "sub1")

        dz.stubber.assert_no_pending_responses()
    assert result["action"] == "none"


def test_a_subscription_without_a_grant_yet_is_retried_later(bucket: Any) -> None:
    with StubbedDataZone() as dz:
        dz.subscription(subscription("sub1", s3_listing(ASSET_ARN)))
        dz.grants("sub1", [])

        with pytest.raises(SubscriptionNotReady, match="sub1 has no subscription grant yet"):
            fulfil(dz, "Subscription Created", "sub1")


def test_a_grant_listed_without_its_assets_is_read_in_full(bucket: Any) -> None:
    full = grant("grant-sub1", "sub1", env="env-sub1")
    summary = {key: value for key, value in full.items() if key != "assets"}
    with StubbedDataZone() as dz:
        dz.subscription(subscription("sub1", s3_listing(ASSET_ARN)))
        dz.grants("sub1", [summary])
        dz.stubber.add_response(
            "get_subscription_grant", full, {"domainIdentifier": DOMAIN, "identifier": "grant-sub1"}
        )
        dz.target("env-sub1", [ANALYST])
        dz.grant_status(full, "GRANTED", targetName=f"s3://{BUCKET}/exports/")

        result = fulfil(dz, "Subscription Created", "sub1")

        dz.stubber.assert_no_pending_responses()
    assert result["status"] == "GRANTED"
    assert len(subscription_statements(policy(bucket), "sub1")) == 2


def test_grants_are_read_across_pages(bucket: Any) -> None:
    first = grant("grant-a", "sub1", env="env-a")
    second = grant("grant-b", "sub1", env="env-b")
    with StubbedDataZone() as dz:
        dz.subscription(subscription("sub1", s3_listing(ASSET_ARN)))
        dz.grants("sub1", [first], [second])
        dz.target("env-a", [ANALYST])
        dz.target("env-b", [SCIENTIST])
        dz.grant_status(first, "GRANTED", targetName=f"s3://{BUCKET}/exports/")
        dz.grant_status(second, "GRANTED", targetName=f"s3://{BUCKET}/exports/")

        fulfil(dz, "Subscription Created", "sub1")

        dz.stubber.assert_no_pending_responses()
    (objects, _) = subscription_statements(policy(bucket), "sub1")
    assert objects["Principal"] == {"AWS": [ANALYST, SCIENTIST]}


@pytest.fixture
def handler_with_stubbed_datazone(
    bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Callable[..., Any], StubbedDataZone]]:
    handler = load_handler(HANDLER, handler_environment({BUCKET: PRODUCER_ACCOUNT}))
    with StubbedDataZone() as dz:
        monkeypatch.setitem(inspect.unwrap(handler).__globals__, "DATAZONE", dz.client)
        yield handler, dz


def test_the_handler_reads_its_settings_and_edits_the_producer_bucket(
    handler_with_stubbed_datazone: tuple[Callable[..., Any], StubbedDataZone],
    bucket: Any,
    lambda_context: LambdaContext,
) -> None:
    handler, dz = handler_with_stubbed_datazone
    queue_grant(dz, "sub1", [ANALYST])

    result = handler(event("Subscription Created", "sub1"), lambda_context)

    assert result["status"] == "GRANTED"
    assert len(subscription_statements(policy(bucket), "sub1")) == 2
