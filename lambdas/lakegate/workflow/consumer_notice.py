"""The message every outcome publishes to the central consumer-notification topic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lakegate.core.errors import raise_if_transient
from lakegate.ledger.record import LedgerRecord, request_of

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

SUBJECT_LIMIT = 100


def notice(record: LedgerRecord, status: str) -> dict[str, Any]:
    """The JSON body consumers receive, built from the ledger record."""
    request = request_of(record)
    return {
        "request_id": record["request_id"],
        "status": status,
        "item": record.get("item"),
        "database": request.get("database"),
        "table": request.get("table"),
        "columns": request.get("columns", []),
        "consumer_account": record.get("consumer_account"),
        "principal": request.get("principal"),
        "person": record.get("person"),
        "permissions": request.get("permissions", []),
        "grants": record.get("grants", []),
        # Parts of the grants other granted requests of the same grantee hold too: not granted again,
        # and kept when this request is revoked.
        "already_held": record.get("held_elsewhere", []),
        "revoked": record.get("revocation_removed", []),
        "kept": record.get("revocation_kept", []),
        "access_expires_at": record.get("access_expires_at"),
        "decided_by": record.get("decided_by"),
        "decision_comment": record.get("decision_comment"),
        "error": record.get("error"),
        "cause": record.get("cause"),
        "at": record.get("updated_at"),
    }


class ConsumerNotifier:
    """Publishes outcomes with message attributes consumers can filter their subscriptions on."""

    def __init__(self, topic_arn: str, *, sns: SNSClient) -> None:
        self.topic_arn = topic_arn
        self._sns = sns

    def publish(self, record: LedgerRecord, status: str) -> str:
        body = notice(record, status)
        subject = f"lakegate: {status} {body['item'] or record['request_id']}"
        subject = subject.encode("ascii", "replace").decode("ascii")
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "status": {"DataType": "String", "StringValue": status},
        }
        if body["consumer_account"]:
            attributes["consumer_account"] = {"DataType": "String", "StringValue": body["consumer_account"]}
        if body["database"]:
            attributes["database"] = {"DataType": "String", "StringValue": body["database"]}
        try:
            response = self._sns.publish(
                TopicArn=self.topic_arn,
                Subject=subject if len(subject) <= SUBJECT_LIMIT else subject[: SUBJECT_LIMIT - 3] + "...",
                Message=json.dumps(body, indent=2, sort_keys=True),
                MessageAttributes=attributes,
            )
        except ClientError as error:
            raise_if_transient(error, "notifying the consumer")
            raise
        return response["MessageId"]
