"""Amazon DataZone as botocore's Stubber serves it (moto has no DataZone), and DataZone's events.

Responses follow the DataZone service model's output shapes, which the Stubber checks; every
request's parameters are checked against what the test expects, and a call nobody queued fails the
test, so "touched nothing else" is asserted by the Stubber itself. Events follow the shape of the
samples in the EventBridge events reference for DataZone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from lakegate_offline.mesh import REGION

DOMAIN = "dzd_6a4t1bq9rb5bdj"
DOMAIN_ACCOUNT = "123456789012"  # moto's default account: the central account
PRODUCER_ACCOUNT = "222222222222"
CONSUMER_ACCOUNT = "333333333333"
OWNER_PROJECT = "b8x2ay9cbu3bzr"  # the producing (approving) project
SUBSCRIBER_PROJECT = "5xgd1k9kwbt6rb"
AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def event(detail_type: str, entity_id: str, *, domain: str = DOMAIN) -> dict[str, Any]:
    """A DataZone event as EventBridge delivers it; ``entity_id`` is ``detail.metadata.id``."""
    return {
        "version": "0",
        "id": f"e7c1a4a6-0f3d-4d1e-9c61-{entity_id[:12].ljust(12, '0')}",
        "detail-type": detail_type,
        "source": "aws.datazone",
        "account": DOMAIN_ACCOUNT,
        "time": "2026-11-02T09:30:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "version": "1",
            "metadata": {
                "id": entity_id,
                "version": "1",
                "typeName": "SubscriptionRequestEntityType"
                if detail_type.startswith("Subscription Request")
                else "SubscriptionEntityType",
                "domain": domain,
                "user": "c4d8a8f0-2071-70c9-1234-5f0e9b3d6a11",
                "awsAccountId": DOMAIN_ACCOUNT,
                "owningProjectId": SUBSCRIBER_PROJECT,
            },
            "data": {"autoApproved": False, "requesterId": "c4d8a8f0-2071-70c9-1234-5f0e9b3d6a11"},
        },
    }


def glue_listing(
    database: str, table: str, *, catalog: str = DOMAIN_ACCOUNT, project: str = OWNER_PROJECT
) -> dict:
    """A subscribed listing of a Glue table asset, its forms as DataZone returns them (JSON in JSON)."""
    form = {
        "catalogId": catalog,
        "region": REGION,
        "tableArn": f"arn:aws:glue:{REGION}:{catalog}:table/{database}/{table}",
        "tableName": table,
        "sourceClientType": "GLUE",
    }
    return _listing(f"{database}.{table}", "GlueTableAssetType", {"GlueTableForm": json.dumps(form)}, project)


def s3_listing(bucket_arn: str, *, asset_id: str = "asset-s3-sales", project: str = OWNER_PROJECT) -> dict:
    """A subscribed listing of an S3 object collection asset."""
    forms = {"S3ObjectCollectionForm": json.dumps({"bucketArn": bucket_arn})}
    return _listing(bucket_arn.rsplit(":", 1)[-1], "S3ObjectCollectionAssetType", forms, project, asset_id)


def _listing(
    name: str, entity_type: str, forms: Mapping[str, str], project: str, asset_id: str = "asset-1"
) -> dict[str, Any]:
    return {
        "id": f"listing-{asset_id}",
        "revision": "3",
        "name": name,
        "description": f"{name} as published by the producing project",
        "item": {
            "assetListing": {
                "entityId": asset_id,
                "entityRevision": "3",
                "entityType": entity_type,
                "forms": json.dumps(forms),
            }
        },
        "ownerProjectId": project,
        "ownerProjectName": "sales-producers",
    }


def project(project_id: str = SUBSCRIBER_PROJECT, name: str = "marketing-analytics") -> dict[str, Any]:
    return {"project": {"id": project_id, "name": name}}


def subscription_request(
    request_id: str,
    listings: Sequence[Mapping[str, Any]],
    *,
    principals: Sequence[Mapping[str, Any]] = (),
    status: str = "PENDING",
) -> dict[str, Any]:
    """``get_subscription_request_details`` (also the shape Accept/Reject return)."""
    return {
        "id": request_id,
        "createdBy": "c4d8a8f0-2071-70c9-1234-5f0e9b3d6a11",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": AT,
        "updatedAt": AT,
        "requestReason": "Quarterly campaign attribution",
        "subscribedPrincipals": list(principals) or [project()],
        "subscribedListings": list(listings),
    }


def subscription(subscription_id: str, listing: Mapping[str, Any], *, status: str = "APPROVED") -> dict:
    return {
        "id": subscription_id,
        "createdBy": "c4d8a8f0-2071-70c9-1234-5f0e9b3d6a11",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": AT,
        "updatedAt": AT,
        "subscribedPrincipal": project(),
        "subscribedListing": dict(listing),
        "subscriptionRequestId": f"req-{subscription_id}",
    }


def grant(
    grant_id: str, subscription_id: str, *, asset_id: str = "asset-s3-sales", env: str = "env-consumer"
) -> dict:
    """One ``items`` entry of ``list_subscription_grants``."""
    return {
        "id": grant_id,
        "createdBy": "system",
        "domainId": DOMAIN,
        "createdAt": AT,
        "updatedAt": AT,
        "environmentId": env,
        "subscriptionTargetId": f"target-{env}",
        "grantedEntity": {"listing": {"id": f"listing-{asset_id}", "revision": "3"}},
        "status": "PENDING",
        "assets": [{"assetId": asset_id, "assetRevision": "3", "status": "GRANT_PENDING"}],
        "subscriptionId": subscription_id,
    }


class StubbedDataZone:
    """A real DataZone client whose calls are answered, in order, by what a test queues."""

    def __init__(self) -> None:
        self.client = boto3.client("datazone", region_name=REGION)
        self.stubber = Stubber(self.client)

    def __enter__(self) -> StubbedDataZone:
        self.stubber.activate()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stubber.deactivate()

    def request_details(self, response: Mapping[str, Any]) -> None:
        self.stubber.add_response(
            "get_subscription_request_details",
            dict(response),
            {"domainIdentifier": DOMAIN, "identifier": response["id"]},
        )

    def accept(self, request: Mapping[str, Any], comment: str) -> None:
        self._decide("accept_subscription_request", request, "ACCEPTED", comment)

    def reject(self, request: Mapping[str, Any], comment: str) -> None:
        self._decide("reject_subscription_request", request, "REJECTED", comment)

    def decide_fails(self, operation: str, request_id: str, code: str) -> None:
        self.stubber.add_client_error(
            operation,
            service_error_code=code,
            http_status_code=409,
            expected_params={
                "domainIdentifier": DOMAIN,
                "identifier": request_id,
                "decisionComment": ANY,
            },
        )

    def subscription(self, response: Mapping[str, Any]) -> None:
        self.stubber.add_response(
            "get_subscription", dict(response), {"domainIdentifier": DOMAIN, "identifier": response["id"]}
        )

    def grants(self, subscription_id: str, *pages: Sequence[Mapping[str, Any]]) -> None:
        for number, page in enumerate(pages, start=1):
            response: dict[str, Any] = {"items": list(page)}
            expected: dict[str, Any] = {"domainIdentifier": DOMAIN, "subscriptionId": subscription_id}
            if number < len(pages):
                response["nextToken"] = f"page-{number + 1}"
            if number > 1:
                expected["nextToken"] = f"page-{number}"
            self.stubber.add_response("list_subscription_grants", response, expected)

    def target(self, env: str, principals: Sequence[str]) -> None:
        self.stubber.add_response(
            "get_subscription_target",
            {
                "id": f"target-{env}",
                "authorizedPrincipals": list(principals),
                "domainId": DOMAIN,
                "projectId": SUBSCRIBER_PROJECT,
                "environmentId": env,
                "name": "consumer data lake",
                "type": "GlueSubscriptionTargetType",
                "createdBy": "system",
                "createdAt": AT,
                "applicableAssetTypes": ["S3ObjectCollectionAssetType"],
                "subscriptionTargetConfig": [],
                "provider": "Amazon DataZone",
            },
            {"domainIdentifier": DOMAIN, "environmentIdentifier": env, "identifier": f"target-{env}"},
        )

    def environments(self, project_id: str, accounts: Sequence[str]) -> None:
        items = [
            {
                "projectId": project_id,
                "id": f"env-{index}",
                "domainId": DOMAIN,
                "createdBy": "system",
                "name": f"environment {index}",
                "provider": "Amazon DataZone",
                "awsAccountId": account,
                "awsAccountRegion": REGION,
            }
            for index, account in enumerate(accounts)
        ]
        self.stubber.add_response(
            "list_environments",
            {"items": items},
            {"domainIdentifier": DOMAIN, "projectIdentifier": project_id},
        )

    def grant_status(self, granted: Mapping[str, Any], status: str, **extra: Any) -> None:
        """Expect the grant's one asset's status set to ``status`` (with ``extra`` parameters)."""
        asset_id = granted["assets"][0]["assetId"]
        response = {key: granted[key] for key in ("id", "createdBy", "domainId", "createdAt", "updatedAt")}
        response |= {
            "subscriptionTargetId": granted["subscriptionTargetId"],
            "grantedEntity": granted["grantedEntity"],
            "status": "COMPLETED",
        }
        self.stubber.add_response(
            "update_subscription_grant_status",
            response,
            {
                "domainIdentifier": DOMAIN,
                "identifier": granted["id"],
                "assetIdentifier": asset_id,
                "status": status,
                **extra,
            },
        )

    def _decide(self, operation: str, request: Mapping[str, Any], status: str, comment: str) -> None:
        self.stubber.add_response(
            operation,
            {**request, "status": status, "decisionComment": comment},
            {"domainIdentifier": DOMAIN, "identifier": request["id"], "decisionComment": comment},
        )
