"""Bucket-policy statements for DataZone subscriptions, and what a listing's forms point at."""

from __future__ import annotations

import json

import pytest

from lakegate.datazone.bucket_policy import sid_base, subscription_statements, with_statements, without_sids
from lakegate.datazone.listings import ListingNotUnderstood, S3Location, glue_table, s3_location
from tests.support.datazone_stubs import glue_listing, s3_listing

READER = "arn:aws:iam::333333333333:role/reader"


@pytest.mark.parametrize("ids", [("a-b", "a_b", "ax2db", "axb"), ("sub1", "sub-1", "sub_1", "Sub1")])
def test_distinct_subscription_ids_never_share_a_sid_and_sids_are_letters_and_digits(
    ids: tuple[str, ...],
) -> None:
    sids = [sid_base(subscription_id) for subscription_id in ids]

    assert len(set(sids)) == len(ids)
    assert all(sid.isalnum() and sid.isascii() for sid in sids)


def test_a_single_principal_is_written_as_a_string_and_the_partition_is_kept() -> None:
    location = S3Location(bucket="b", prefix="p/")

    objects, listing = subscription_statements("s", location, [READER], partition="aws-cn")

    assert objects["Principal"] == {"AWS": READER}
    assert objects["Resource"] == "arn:aws-cn:s3:::b/p/*"
    assert listing["Resource"] == "arn:aws-cn:s3:::b"


def test_a_whole_bucket_location_is_never_turned_into_statements() -> None:
    with pytest.raises(ValueError, match="the whole bucket is never shared"):
        subscription_statements("s", S3Location(bucket="b", prefix=""), [READER])


def test_a_policy_holding_one_statement_as_an_object_keeps_it() -> None:
    single = {"Version": "2012-10-17", "Statement": {"Sid": "Theirs", "Effect": "Deny", "Action": "s3:*"}}
    ours = subscription_statements("s", S3Location(bucket="b", prefix="p/"), [READER])

    added = with_statements(single, ours)

    assert added["Statement"][0] == single["Statement"]
    assert without_sids(added, [s["Sid"] for s in ours]) == {**single, "Statement": [single["Statement"]]}


def test_adding_again_replaces_the_subscriptions_statements_in_place_of_duplicating_them() -> None:
    first = subscription_statements("s", S3Location(bucket="b", prefix="p/"), [READER])
    second = subscription_statements("s", S3Location(bucket="b", prefix="p/"), [READER, READER + "2"])

    policy = with_statements(with_statements(None, first), second)

    assert policy["Statement"] == second


@pytest.mark.parametrize(
    ("bucket_arn", "expected"),
    [
        ("arn:aws:s3:::sales-raw", S3Location("sales-raw", "")),
        ("arn:aws:s3:::sales-raw/", S3Location("sales-raw", "")),
        ("arn:aws:s3:::sales-raw/exports", S3Location("sales-raw", "exports/")),
        ("arn:aws:s3:::sales-raw/exports/2026/", S3Location("sales-raw", "exports/2026/")),
    ],
)
def test_the_s3_location_comes_from_the_bucket_arn_of_the_collection_form(
    bucket_arn: str, expected: S3Location
) -> None:
    assert s3_location(s3_listing(bucket_arn)) == expected


def test_a_malformed_bucket_arn_is_named() -> None:
    with pytest.raises(
        ListingNotUnderstood, match=r"S3ObjectCollectionForm\.bucketArn is not an S3 bucket ARN"
    ):
        s3_location(s3_listing("s3://sales-raw/exports/"))


def test_a_glue_listing_names_its_catalog_database_and_table_and_is_not_an_s3_location() -> None:
    listing = glue_listing("sales", "orders", catalog="222222222222")

    table = glue_table(listing)

    assert table is not None
    assert (table.catalog_id, table.database, table.table) == ("222222222222", "sales", "orders")
    assert s3_location(listing) is None


def test_forms_that_are_not_json_are_named() -> None:
    listing = s3_listing("arn:aws:s3:::b/p/")
    listing["item"]["assetListing"]["forms"] = json.dumps({"S3ObjectCollectionForm": "{not json"})

    with pytest.raises(ListingNotUnderstood, match="form S3ObjectCollectionForm is not valid JSON"):
        s3_location(listing)
