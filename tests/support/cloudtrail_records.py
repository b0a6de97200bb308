"""CloudTrail events as ``LookupEvents`` returns them, shaped like AWS's documented samples.

``GetDataAccess`` follows the Lake Formation Developer Guide ("Logging AWS Lake Formation API calls
using AWS CloudTrail", "Cross-account CloudTrail logging") and the per-engine samples of the AWS Lake
Formation best-practices guide ("Lake Formation CloudTrail Events"): Athena's query id in
``auditContext.additionalAuditContext`` as ``{queryId: <id>}``, Glue and EMR's JSON audit context
with ``platformType`` and ``jobIdentifier``, Redshift's none. ``StartQueryExecution`` follows the
Athena User Guide ("Log Amazon Athena API calls with AWS CloudTrail"), whose ``queryString`` is
``***OMITTED***``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

REGION = "us-east-1"
CATALOG_ACCOUNT = "123456789012"  # the central catalog account, where the tables are
CONSUMER_ACCOUNT = "444455556666"

Engine = Literal["athena", "glue", "emr", "redshift"]


def cloudtrail_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def table_arn(database: str, table: str, *, account: str = CATALOG_ACCOUNT) -> str:
    return f"arn:aws:glue:{REGION}:{account}:table/{database}/{table}"


def role_arn(name: str, *, account: str = CONSUMER_ACCOUNT, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def assumed_role_identity(role: str, session: str, *, invoked_by: str | None = None) -> dict[str, Any]:
    """``userIdentity`` of a role session: the assumed-role ARN (without the IAM path) and its issuer."""
    account = role.split(":")[4]
    name = role.rsplit("/", 1)[1]
    identity: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE{name.upper()[:8]}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
        "accountId": account,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"AROAEXAMPLE{name.upper()[:8]}",
                "arn": role,
                "accountId": account,
                "userName": name,
            },
            "attributes": {"creationDate": "2026-11-23T08:00:00Z", "mfaAuthenticated": "false"},
        },
    }
    if invoked_by:
        identity["invokedBy"] = invoked_by
    return identity


def get_data_access(
    *,
    role: str,
    database: str,
    table: str,
    at: datetime,
    engine: Engine = "athena",
    query_id: str | None = None,
    event_id: str | None = None,
    principal_logged: bool = True,
    same_account: bool = False,
    error_code: str | None = None,
) -> dict[str, Any]:
    """A ``GetDataAccess`` record for ``role`` reading ``database.table``.

    By default it is the copy Lake Formation puts in the catalog owner's account for a consumer's
    access (``userIdentity`` of type AWSAccount); ``principal_logged=False`` leaves out
    ``lakeFormationPrincipal``, as when the consumer account did not opt in to share principal ARNs.
    ``same_account`` gives the role session's own identity instead, as in the caller's account.
    """
    account = role.split(":")[4]
    services = {
        "athena": ("athena.amazonaws.com", "ATHENA", "AT"),
        "glue": ("glue.amazonaws.com", "UNKNOWN", "GL"),
        "emr": ("ops.emr-serverless.amazonaws.com", "UNKNOWN", "NA"),
        "redshift": ("redshift.amazonaws.com", "REDSHIFT", "RE"),
    }
    source, requester, code = services[engine]
    session = {"athena": "analysis", "glue": "GlueJobRunnerSession", "emr": "00job1,00attempt1"}.get(
        engine, "redshift-session"
    )
    if same_account:
        identity = assumed_role_identity(role, session, invoked_by=source)
    else:
        identity = {"type": "AWSAccount", "principalId": f"AROAEXAMPLE:{session}", "accountId": account}
    parameters: dict[str, Any] = {"tableArn": table_arn(database, table)}
    if engine == "athena":
        parameters["permissions"] = ["SELECT"]
        parameters["auditContext"] = {"additionalAuditContext": f"{{queryId: {query_id}}}"}
        parameters["cellLevelSecurityEnforced"] = True
        parameters["expectedTableId"] = "EXAMPLETABLEID0000000000000000"
    elif engine in ("glue", "emr"):
        platform, job = (
            ("GLUE_ETL", "jr_0123456789abcdef/") if engine == "glue" else ("EMR_SERVERLESS", "00j/00a")
        )
        parameters["auditContext"] = {
            "additionalAuditContext": json.dumps({"platformType": platform, "jobIdentifier": job})
        }
    else:
        parameters["durationSeconds"] = 3600
        parameters["cellLevelSecurityEnforced"] = True
    extra: dict[str, Any] = {
        "requesterService": requester,
        "LakeFormationTrustedCallerInvocation": "true",
        "lakeFormationRoleSessionName": f"AWSLF-00-{code}-{account}-EXAMPLE01",
    }
    if principal_logged:
        extra["lakeFormationPrincipal"] = role
    record: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": cloudtrail_time(at),
        "eventSource": "lakeformation.amazonaws.com",
        "eventName": "GetDataAccess",
        "awsRegion": REGION,
        "sourceIPAddress": source,
        "userAgent": source,
        "requestParameters": parameters,
        "responseElements": None,
        "additionalEventData": extra,
        "requestID": str(uuid.uuid4()),
        "eventID": event_id or str(uuid.uuid4()),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": CATALOG_ACCOUNT,
        "sharedEventID": str(uuid.uuid4()),
        "eventCategory": "Management",
    }
    if error_code:
        record["errorCode"] = error_code
        record["errorMessage"] = "Insufficient Lake Formation permission(s) on the table"
    return record


def get_data_access_by_location(*, role: str, at: datetime) -> dict[str, Any]:
    """A ``GetDataAccess`` record for an S3 data location rather than a table."""
    record = get_data_access(role=role, database="x", table="y", at=at, engine="glue")
    record["requestParameters"] = {"dataLocations": ["arn:aws:s3:::amzn-s3-demo-bucket/raw"]}
    return record


def start_query_execution(
    *,
    role: str,
    query_id: str,
    at: datetime,
    workgroup: str = "primary",
    database: str | None = "customers",
    session: str = "analysis",
    event_id: str | None = None,
) -> dict[str, Any]:
    """An Athena ``StartQueryExecution`` record by a session of ``role``."""
    parameters: dict[str, Any] = {
        "queryString": "***OMITTED***",
        "clientRequestToken": str(uuid.uuid4()),
        "workGroup": workgroup,
        "resultConfiguration": {"outputLocation": "s3://amzn-s3-demo-bucket/athena/"},
    }
    if database:
        parameters["queryExecutionContext"] = {"catalog": "AwsDataCatalog", "database": database}
    account = role.split(":")[4]
    return {
        "eventVersion": "1.09",
        "userIdentity": assumed_role_identity(role, session),
        "eventTime": cloudtrail_time(at),
        "eventSource": "athena.amazonaws.com",
        "eventName": "StartQueryExecution",
        "awsRegion": REGION,
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 botocore/2.4.5",
        "requestParameters": parameters,
        "responseElements": {"queryExecutionId": query_id},
        "requestID": str(uuid.uuid4()),
        "eventID": event_id or str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }


def lookup_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """One result of ``LookupEvents``: a few fields of the record, and the record as a JSON string."""
    identity = record.get("userIdentity") or {}
    arn = str(identity.get("arn") or "")
    return {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "true" if record.get("readOnly") else "false",
        "AccessKeyId": str(identity.get("accessKeyId") or ""),
        "EventTime": datetime.fromisoformat(record["eventTime"]),
        "EventSource": record["eventSource"],
        "Username": arn.rsplit("/", 1)[-1] if arn else "",
        "Resources": [],
        "CloudTrailEvent": json.dumps(record),
    }


def lookup_page(records: Sequence[Mapping[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    """A ``LookupEvents`` response holding ``records`` (newest first, as CloudTrail returns them)."""
    page: dict[str, Any] = {
        "Events": [
            lookup_event(record) for record in sorted(records, key=lambda r: r["eventTime"], reverse=True)
        ]
    }
    if next_token:
        page["NextToken"] = next_token
    return page
