"""What a DataZone subscribed listing points at: a Glue table, or an S3 location.

A listing's asset carries its metadata forms as JSON text (``item.assetListing.forms``): an object
of form name to form content, the content itself JSON text. Glue table assets carry
``GlueTableForm`` (``catalogId``, ``tableArn``, ``tableName``); S3 object-collection assets carry
``S3ObjectCollectionForm``, whose required ``bucketArn`` is the bucket's ARN, optionally followed by
the key prefix the asset covers (``arn:aws:s3:::bucket/path/``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GLUE_TABLE_FORM = "GlueTableForm"
S3_COLLECTION_FORM = "S3ObjectCollectionForm"

_TABLE_ARN = re.compile(r"^arn:aws(?:-cn|-us-gov)?:glue:[a-z0-9-]+:(\d{12}):table/([^/]+)/([^/]+)$")
_BUCKET_ARN = re.compile(r"^arn:aws(?:-cn|-us-gov)?:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")


class ListingNotUnderstood(ValueError):
    """The listing's forms do not say what it points at; the message says what is missing."""


@dataclass(frozen=True)
class GlueTableRef:
    catalog_id: str
    database: str
    table: str

    @property
    def name(self) -> str:
        return f"{self.database}.{self.table}"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" for the whole bucket, otherwise ends with "/"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def asset_listing(listing: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``assetListing`` of a subscribed listing (empty for a data product listing)."""
    item = listing.get("item") or {}
    return item.get("assetListing") or {}


def forms(listing: Mapping[str, Any]) -> dict[str, Any]:
    """The listing's forms, form name to parsed content; empty when there are none."""
    raw = asset_listing(listing).get("forms")
    if not raw:
        return {}
    parsed = _json(raw, "the listing's forms")
    if not isinstance(parsed, dict):
        raise ListingNotUnderstood("the listing's forms are not a JSON object")
    return {name: _json(content, f"form {name}") for name, content in parsed.items()}


def glue_table(listing: Mapping[str, Any]) -> GlueTableRef | None:
    """The Glue table a listing publishes, or None when it is not a Glue table asset."""
    form = forms(listing).get(GLUE_TABLE_FORM)
    if form is None:
        return None
    match = _TABLE_ARN.match(str(form.get("tableArn", "")))
    if match is None:
        raise ListingNotUnderstood(
            f"{GLUE_TABLE_FORM}.tableArn is not a Glue table ARN: {form.get('tableArn')!r}"
        )
    account, database, table = match.groups()
    return GlueTableRef(catalog_id=str(form.get("catalogId") or account), database=database, table=table)


def s3_location(listing: Mapping[str, Any]) -> S3Location | None:
    """The S3 location an object-collection listing covers, or None when it is another kind of asset."""
    form = forms(listing).get(S3_COLLECTION_FORM)
    if form is None:
        return None
    bucket_arn = str(form.get("bucketArn", ""))
    match = _BUCKET_ARN.match(bucket_arn)
    if match is None:
        raise ListingNotUnderstood(f"{S3_COLLECTION_FORM}.bucketArn is not an S3 bucket ARN: {bucket_arn!r}")
    bucket, path = match.groups()
    prefix = (path or "").strip("/")
    return S3Location(bucket=bucket, prefix=f"{prefix}/" if prefix else "")


def _json(value: Any, what: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ListingNotUnderstood(f"{what} is not valid JSON: {error.msg}") from error
