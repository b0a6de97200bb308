"""The request ledger: one DynamoDB item per request, changed only by conditional writes.

Every status change appends a history entry saying who, when and why, and is conditioned on
the status it starts from, so two racing writers cannot both decide a request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from lakegate.errors import RequestNotFound, RequestStateConflict, error_code, raise_if_transient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY = "request_id"
SYSTEM_ACTOR = "lakegate"


class Status(StrEnum):
    RECEIVED = "RECEIVED"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    GRANTED = "GRANTED"
    DENIED = "DENIED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"


FINAL_STATUSES = frozenset({Status.GRANTED, Status.DENIED, Status.EXPIRED, Status.FAILED})

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with seconds, the one time format the ledger stores."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Ledger:
    """Reads and conditionally writes request records in the ledger table."""

    def __init__(self, table_name: str, *, dynamodb: DynamoDBClient) -> None:
        self.table_name = table_name
        self._dynamodb = dynamodb

    def get(self, request_id: str) -> dict[str, Any] | None:
        """The request's record, or None."""
        try:
            response = self._dynamodb.get_item(
                TableName=self.table_name, Key={KEY: {"S": request_id}}, ConsistentRead=True
            )
        except ClientError as error:
            raise_if_transient(error, "reading the ledger")
            raise
        item = response.get("Item")
        return _from_item(item) if item else None

    def scan(
        self, *, equal_to: Mapping[str, str] | None = None, fields: Collection[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every record whose top-level attributes equal ``equal_to`` (only ``fields``, if given).

        A paged Scan of the whole table with a filter: for people listing requests (the CLI),
        never for the workflow, which only reads and writes single records.
        """
        arguments: dict[str, Any] = {"TableName": self.table_name}
        names: dict[str, str] = {}
        if equal_to:
            values = {}
            conditions = []
            for index, (name, value) in enumerate(equal_to.items()):
                names[f"#e{index}"] = name
                values[f":e{index}"] = _serializer.serialize(value)
                conditions.append(f"#e{index} = :e{index}")
            arguments["FilterExpression"] = " AND ".join(conditions)
            arguments["ExpressionAttributeValues"] = values
        if fields:
            for index, name in enumerate(fields):
                names[f"#p{index}"] = name
            arguments["ProjectionExpression"] = ", ".join(f"#p{index}" for index in range(len(fields)))
        if names:
            arguments["ExpressionAttributeNames"] = names
        try:
            for page in self._dynamodb.get_paginator("scan").paginate(**arguments):
                for item in page.get("Items", []):
                    yield _from_item(item)
        except ClientError as error:
            raise_if_transient(error, "scanning the ledger")
            raise

    def require(self, request_id: str) -> dict[str, Any]:
        """The request's record, or RequestNotFound."""
        record = self.get(request_id)
        if record is None:
            raise RequestNotFound(f"request {request_id} is not in the ledger")
        return record

    def create(
        self, request_id: str, fields: Mapping[str, Any], *, by: str, reason: str, now: datetime
    ) -> dict[str, Any]:
        """Record a new request as RECEIVED; a retry with the same fields is a no-op."""
        at = timestamp(now)
        record = {
            **fields,
            KEY: request_id,
            "status": Status.RECEIVED.value,
            "created_at": at,
            "updated_at": at,
            "history": [_history_entry(Status.RECEIVED, by, reason, at)],
        }
        try:
            self._dynamodb.put_item(
                TableName=self.table_name,
                Item=_to_item(record),
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": KEY},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise_if_transient(error, "recording the request")
                raise
            existing = self.require(request_id)
            if existing.get("request") != fields.get("request"):
                raise RequestStateConflict(
                    f"request id {request_id} is already used by a different request"
                ) from error
            return existing
        return record

    def transition(
        self,
        request_id: str,
        *,
        to: Status,
        allowed_from: Collection[Status],
        by: str,
        reason: str,
        now: datetime,
        set_fields: Mapping[str, Any] | None = None,
        remove_fields: Collection[str] = (),
        extra_condition: tuple[str, Mapping[str, Any]] | None = None,
        return_old: bool = False,
    ) -> dict[str, Any]:
        """Move the request to ``to`` if its status is one of ``allowed_from``.

        Returns the record after the change (or before it, with ``return_old``); raises
        RequestStateConflict, carrying the current record, when the condition does not hold.
        """
        at = timestamp(now)
        names = {"#status": "status", "#history": "history", "#updated_at": "updated_at", "#key": KEY}
        values: dict[str, Any] = {
            ":to": to.value,
            ":at": at,
            ":entry": [_history_entry(to, by, reason, at)],
        }
        assignments = ["#status = :to", "#updated_at = :at", "#history = list_append(#history, :entry)"]
        for index, (name, value) in enumerate((set_fields or {}).items()):
            names[f"#s{index}"] = name
            values[f":s{index}"] = value
            assignments.append(f"#s{index} = :s{index}")
        allowed = sorted(status.value for status in allowed_from)
        for index, status in enumerate(allowed):
            values[f":from{index}"] = status
        condition = (
            f"attribute_exists(#key) AND #status IN ({', '.join(f':from{i}' for i in range(len(allowed)))})"
        )
        if extra_condition:
            expression, extra_values = extra_condition
            condition = f"{condition} AND ({expression})"
            values.update(extra_values)
        update = "SET " + ", ".join(assignments)
        if remove_fields:
            for index, name in enumerate(remove_fields):
                names[f"#r{index}"] = name
            update += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(remove_fields)))
        try:
            response = self._dynamodb.update_item(
                TableName=self.table_name,
                Key={KEY: {"S": request_id}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    key: _serializer.serialize(value) for key, value in values.items()
                },
                ReturnValues="ALL_OLD" if return_old else "ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise_if_transient(error, f"moving request {request_id} to {to.value}")
                raise
            current = self.get(request_id)
            raise StatusConflict(request_id, to, current) from error
        return _from_item(response["Attributes"])

    def update_fields(self, request_id: str, fields: Mapping[str, Any], *, now: datetime) -> None:
        """Set fields that are not a status change (for example when the consumer was notified)."""
        names = {f"#f{index}": name for index, name in enumerate(fields)}
        values = {f":f{index}": _serializer.serialize(value) for index, value in enumerate(fields.values())}
        names["#updated_at"] = "updated_at"
        values[":at"] = _serializer.serialize(timestamp(now))
        names["#key"] = KEY
        try:
            self._dynamodb.update_item(
                TableName=self.table_name,
                Key={KEY: {"S": request_id}},
                UpdateExpression="SET "
                + ", ".join(
                    [f"#f{index} = :f{index}" for index in range(len(fields))] + ["#updated_at = :at"]
                ),
                ConditionExpression="attribute_exists(#key)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise RequestNotFound(f"request {request_id} is not in the ledger") from error
            raise_if_transient(error, f"updating request {request_id}")
            raise

    def record_failure(self, request_id: str, *, error: str, cause: str, now: datetime) -> dict[str, Any]:
        """Mark the request FAILED with its error and cause, creating the record if evaluation never did."""
        at = timestamp(now)
        entry = _history_entry(Status.FAILED, SYSTEM_ACTOR, f"{error}: {cause}", at)
        try:
            response = self._dynamodb.update_item(
                TableName=self.table_name,
                Key={KEY: {"S": request_id}},
                UpdateExpression=(
                    "SET #status = :failed, #error = :error, #cause = :cause, #updated_at = :at, "
                    "#created_at = if_not_exists(#created_at, :at), "
                    "#history = list_append(if_not_exists(#history, :empty), :entry)"
                ),
                ConditionExpression="attribute_not_exists(#status) OR #status <> :failed",
                ExpressionAttributeNames={
                    "#status": "status",
                    "#error": "error",
                    "#cause": "cause",
                    "#updated_at": "updated_at",
                    "#created_at": "created_at",
                    "#history": "history",
                },
                ExpressionAttributeValues={
                    key: _serializer.serialize(value)
                    for key, value in {
                        ":failed": Status.FAILED.value,
                        ":error": error,
                        ":cause": cause,
                        ":at": at,
                        ":empty": [],
                        ":entry": [entry],
                    }.items()
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as failure:
            if error_code(failure) == "ConditionalCheckFailedException":
                return self.require(request_id)  # already recorded by an earlier attempt
            raise_if_transient(failure, f"recording the failure of request {request_id}")
            raise
        return _from_item(response["Attributes"])


class StatusConflict(RequestStateConflict):
    """A conditional status change did not apply; ``current`` is the record as it is now."""

    def __init__(self, request_id: str, wanted: Status, current: dict[str, Any] | None) -> None:
        status = current.get("status") if current else "absent"
        super().__init__(f"request {request_id} cannot become {wanted.value}: it is {status}")
        self.current = current


def _history_entry(status: Status, by: str, reason: str, at: str) -> dict[str, str]:
    return {"status": status.value, "at": at, "by": by, "reason": reason}


def _to_item(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in record.items() if value is not None}


def _from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; lakegate only stores whole numbers."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
