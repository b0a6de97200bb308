"""The request ledger: one DynamoDB item per request, changed only by conditional writes.

Every status change appends a history entry saying who, when and why, and is conditioned on
the statuses the transition table (``lakegate.ledger.status``) allows it to start from, so two
racing writers cannot both decide a request and no caller can skip a step. Given a
``StatusEventPublisher``, the ledger also puts each change it writes on the event bus, once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, cast

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from lakegate.core.errors import (
    RequestNotFound,
    RequestStateConflict,
    TransientAwsError,
    error_code,
    raise_if_transient,
)
from lakegate.ledger.record import KEY, HistoryEntry, LedgerRecord, unknown_fields
from lakegate.ledger.status import Status, TransitionNotAllowed, sources_of
from lakegate.ledger.status_events import StatusEventPublisher, status_change_detail

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# A plain logger: the CLI imports the ledger without loading Powertools; in Lambda, records reach
# Powertools' logger, which is named after the service ("lakegate") and so is this one's parent.
logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "lakegate"
# Details (JSON) of status events EventBridge did not take yet; put by the next access with a publisher.
UNPUBLISHED_EVENTS: Final = "unpublished_events"


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with seconds, the one time format the ledger stores."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Ledger:
    """Reads and conditionally writes request records in the ledger table.

    With ``events``, every write that changes a request's status (``create``, ``transition``,
    ``record_failure``) is followed by one status event; a write that changes nothing (a retry, a
    same-status transition) puts none. If EventBridge does not take an event, the change stays on
    the record as unpublished and TransientAwsError is raised so the workflow retries the step: the
    retry's first ledger access puts it. With ``defer_failed_events`` nothing is raised, for callers
    that nobody retries and that must go on after their write (the decision API must resume the
    workflow); the workflow's next step puts the event. Without ``events`` (the CLI, most tests)
    nothing is published.
    """

    def __init__(
        self,
        table_name: str,
        *,
        dynamodb: DynamoDBClient,
        events: StatusEventPublisher | None = None,
        defer_failed_events: bool = False,
    ) -> None:
        self.table_name = table_name
        self._dynamodb = dynamodb
        self._events = events
        self._defer_failed_events = defer_failed_events

    def get(self, request_id: str) -> LedgerRecord | None:
        """The request's record, or None."""
        try:
            response = self._dynamodb.get_item(
                TableName=self.table_name, Key={KEY: {"S": request_id}}, ConsistentRead=True
            )
        except ClientError as error:
            raise_if_transient(error, "reading the ledger")
            raise
        item = response.get("Item")
        if not item:
            return None
        record = _from_item(item)
        if self._events is not None and record.get(UNPUBLISHED_EVENTS):
            record = self._publish(self._events, record, [])
        return record

    def scan(
        self,
        *,
        equal_to: Mapping[str, str] | None = None,
        fields: Collection[str] = (),
        consistent: bool = False,
    ) -> Iterator[LedgerRecord]:
        """Every record whose top-level attributes equal ``equal_to`` (only ``fields``, if given).

        A paged Scan of the whole table with a filter: for people listing requests, and for the one
        question the workflow cannot answer from single records (which other granted requests hold a
        permission, ``workflow.holdings``), which reads ``consistent``ly.
        """
        arguments: dict[str, Any] = {"TableName": self.table_name, "ConsistentRead": consistent}
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
        if unknown := unknown_fields(tuple(fields)):
            raise ValueError(f"fields: {', '.join(unknown)} are not ledger record fields")
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

    def require(self, request_id: str) -> LedgerRecord:
        """The request's record, or RequestNotFound."""
        record = self.get(request_id)
        if record is None:
            raise RequestNotFound(f"request {request_id} is not in the ledger")
        return record

    def create(
        self, request_id: str, fields: LedgerRecord, *, by: str, reason: str, now: datetime
    ) -> LedgerRecord:
        """Record a new request as RECEIVED; a retry with the same fields is a no-op."""
        at = timestamp(now)
        record: LedgerRecord = {
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
        if self._events is not None:
            record = self._publish(self._events, record, [status_change_detail(record, None)])
        return record

    def transition(
        self,
        request_id: str,
        *,
        to: Status,
        by: str,
        reason: str,
        now: datetime,
        set_fields: LedgerRecord | None = None,
        remove_fields: Collection[str] = (),
        extra_condition: tuple[str, Mapping[str, Any]] | None = None,
        only_from: Status | None = None,
        return_old: bool = False,
    ) -> LedgerRecord:
        """Move the request to ``to`` if the transition table allows it from the current status.

        ``only_from`` narrows that to one status, for a caller undoing or completing a change it
        made itself. Returns the record after the change (or before it, with ``return_old``);
        raises StatusConflict, carrying the current record, when the condition does not hold, and
        TransitionNotAllowed, before any write, for ``only_from`` outside the table.
        """
        allowed = _sources(to, only_from)
        at = timestamp(now)
        entry = _history_entry(to, by, reason, at)
        names = {"#status": "status", "#history": "history", "#updated_at": "updated_at", "#key": KEY}
        values: dict[str, Any] = {":to": to.value, ":at": at, ":entry": [entry]}
        assignments = ["#status = :to", "#updated_at = :at", "#history = list_append(#history, :entry)"]
        for index, (name, value) in enumerate((set_fields or {}).items()):
            names[f"#s{index}"] = name
            values[f":s{index}"] = value
            assignments.append(f"#s{index} = :s{index}")
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
        returned = self._update(
            request_id,
            f"moving request {request_id} to {to.value}",
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={key: _serializer.serialize(value) for key, value in values.items()},
            ReturnValues="ALL_OLD" if return_old else "ALL_NEW",
        )
        if returned is None:
            raise StatusConflict(request_id, to, self.get(request_id))
        if self._events is None:
            return returned
        if return_old:
            # The record as the update left it, to describe the change; the caller gets the old one.
            after = cast(
                "LedgerRecord", {key: value for key, value in returned.items() if key not in remove_fields}
            )
            after.update(set_fields or {})
            after.update(
                {"status": to.value, "updated_at": at, "history": [*returned.get("history", []), entry]}
            )
            previous = returned.get("status")
        else:
            after = returned
            previous = _previous_status(after)
        changed = [status_change_detail(after, previous)] if previous != to.value else []
        if changed or after.get(UNPUBLISHED_EVENTS):
            after = self._publish(self._events, after, changed)
        return returned if return_old else after

    def update_fields(self, request_id: str, fields: LedgerRecord, *, now: datetime) -> None:
        """Set fields that are not a status change (for example when the consumer was notified)."""
        names = {f"#f{index}": name for index, name in enumerate(fields)}
        values = {f":f{index}": _serializer.serialize(value) for index, value in enumerate(fields.values())}
        names["#updated_at"] = "updated_at"
        values[":at"] = _serializer.serialize(timestamp(now))
        names["#key"] = KEY
        updated = self._update(
            request_id,
            f"updating request {request_id}",
            UpdateExpression="SET "
            + ", ".join([f"#f{index} = :f{index}" for index in range(len(fields))] + ["#updated_at = :at"]),
            ConditionExpression="attribute_exists(#key)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        if updated is None:
            raise RequestNotFound(f"request {request_id} is not in the ledger")

    def claim_reminder(self, request_id: str, *, secret_hash: str, now: datetime) -> LedgerRecord | None:
        """Mark the request reminded and add ``secret_hash`` to its valid link secrets, at most once.

        One conditional update: the request must be PENDING_APPROVAL, before its approval deadline
        and not reminded yet. Returns the record after it, or None when the condition does not hold
        (decided, expired, or reminded already). The status does not change: no history entry, no event.
        """
        at = timestamp(now)
        return self._update(
            request_id,
            f"recording the reminder of request {request_id}",
            UpdateExpression=(
                "SET #reminded_at = :at, #updated_at = :at, "
                "#hashes = list_append(if_not_exists(#hashes, :empty), :hash)"
            ),
            ConditionExpression=(
                "attribute_exists(#key) AND #status = :pending AND attribute_not_exists(#reminded_at) "
                "AND #deadline > :at"
            ),
            ExpressionAttributeNames={
                "#key": KEY,
                "#status": "status",
                "#reminded_at": "reminded_at",
                "#updated_at": "updated_at",
                "#hashes": "secret_hashes",
                "#deadline": "approval_expires_at",
            },
            ExpressionAttributeValues={
                ":at": {"S": at},
                ":pending": {"S": Status.PENDING_APPROVAL.value},
                ":empty": {"L": []},
                ":hash": {"L": [{"S": secret_hash}]},
            },
            ReturnValues="ALL_NEW",
        )

    def release_reminder(self, request_id: str, *, reminded_at: str) -> None:
        """Undo ``claim_reminder``'s mark when the reminder could not be sent, so a retry sends it.

        The added secret hash stays: its secret was never sent anywhere.
        """
        self._update(  # None when another attempt released it or claimed it anew: leave that mark
            request_id,
            f"releasing the reminder of request {request_id}",
            UpdateExpression="REMOVE #reminded_at",
            ConditionExpression="#reminded_at = :at",
            ExpressionAttributeNames={"#reminded_at": "reminded_at"},
            ExpressionAttributeValues={":at": {"S": reminded_at}},
        )

    def record_failure(self, request_id: str, *, error: str, cause: str, now: datetime) -> LedgerRecord:
        """Mark the request FAILED with its error and cause, creating the record if evaluation never did."""
        at = timestamp(now)
        entry = _history_entry(Status.FAILED, SYSTEM_ACTOR, f"{error}: {cause}", at)
        failing_from = {f":from{index}": status for index, status in enumerate(_sources(Status.FAILED))}
        failing = list(failing_from)
        record = self._update(
            request_id,
            f"recording the failure of request {request_id}",
            UpdateExpression=(
                "SET #status = :failed, #error = :error, #cause = :cause, #updated_at = :at, "
                "#created_at = if_not_exists(#created_at, :at), "
                "#history = list_append(if_not_exists(#history, :empty), :entry)"
            ),
            ConditionExpression=f"attribute_not_exists(#status) OR #status IN ({', '.join(failing)})",
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
                    **failing_from,
                }.items()
            },
            ReturnValues="ALL_NEW",
        )
        if record is None:
            return self.require(request_id)  # already recorded by an earlier attempt
        if self._events is not None:
            record = self._publish(
                self._events, record, [status_change_detail(record, _previous_status(record))]
            )
        return record

    def _update(self, request_id: str, doing: str, **arguments: Any) -> LedgerRecord | None:
        """One conditional UpdateItem of the request: the attributes it returns (empty unless asked
        for), or None when its condition does not hold; throttling raises TransientAwsError."""
        try:
            response = self._dynamodb.update_item(
                TableName=self.table_name, Key={KEY: {"S": request_id}}, **arguments
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise_if_transient(error, doing)
            raise
        return _from_item(response.get("Attributes", {}))

    def _publish(
        self, events: StatusEventPublisher, record: LedgerRecord, changed: list[dict[str, Any]]
    ) -> LedgerRecord:
        """Put the record's unpublished events, then those of ``changed``, oldest first.

        What EventBridge does not take is kept on the record for the next attempt; an event put
        just before a failure may then be put again (its ``request_id`` and ``sequence`` tell).
        Returns the record without the unpublished events once they are all put.
        """
        request_id = record[KEY]
        unpublished = [json.loads(text) for text in record.get(UNPUBLISHED_EVENTS) or []]
        put = 0
        try:
            for detail in [*unpublished, *changed]:
                events.publish(detail)
                put += 1
        except (TransientAwsError, ClientError) as error:
            self._keep_unpublished(request_id, changed[max(0, put - len(unpublished)) :])
            if not self._defer_failed_events:
                raise
            logger.warning(
                "status event not put; the next access to the request puts it",
                extra={"request_id": request_id, "error": str(error)},
            )
            return record
        if unpublished:
            self._forget_unpublished(request_id, len(unpublished))
        return cast(
            "LedgerRecord", {key: value for key, value in record.items() if key != UNPUBLISHED_EVENTS}
        )

    def _keep_unpublished(self, request_id: str, details: list[dict[str, Any]]) -> None:
        if not details:
            return
        texts = [json.dumps(detail, sort_keys=True) for detail in details]
        try:
            self._dynamodb.update_item(
                TableName=self.table_name,
                Key={KEY: {"S": request_id}},
                UpdateExpression="SET #unpublished = list_append(if_not_exists(#unpublished, :empty), :new)",
                ConditionExpression="attribute_exists(#key)",
                ExpressionAttributeNames={"#unpublished": UNPUBLISHED_EVENTS, "#key": KEY},
                ExpressionAttributeValues={
                    ":empty": _serializer.serialize([]),
                    ":new": _serializer.serialize(texts),
                },
            )
        except ClientError:
            # Both EventBridge and the ledger failed: the details are in the log and nowhere else.
            logger.exception("status events lost", extra={"request_id": request_id, "details": texts})

    def _forget_unpublished(self, request_id: str, count: int) -> None:
        try:
            self._dynamodb.update_item(
                TableName=self.table_name,
                Key={KEY: {"S": request_id}},
                UpdateExpression="REMOVE #unpublished",
                # Unless another attempt added some meanwhile: those stay to be put (with these again).
                ConditionExpression="size(#unpublished) = :count",
                ExpressionAttributeNames={"#unpublished": UNPUBLISHED_EVENTS},
                ExpressionAttributeValues={":count": {"N": str(count)}},
            )
        except ClientError as error:
            # The events are on the bus; at worst a later access puts them again.
            logger.warning(
                "unpublished status events were put but stay recorded",
                extra={"request_id": request_id, "error": error_code(error)},
            )


class StatusConflict(RequestStateConflict):
    """A conditional status change did not apply; ``current`` is the record as it is now."""

    def __init__(self, request_id: str, wanted: Status, current: LedgerRecord | None) -> None:
        status = current.get("status") if current else "absent"
        super().__init__(f"request {request_id} cannot become {wanted.value}: it is {status}")
        self.current = current


def _sources(target: Status, only_from: Status | None = None) -> list[str]:
    """The statuses (sorted values) a write to ``target`` may start from."""
    sources = sources_of(target)
    if not sources:
        raise TransitionNotAllowed(f"no status becomes {target.value}")
    if only_from is not None:
        if only_from not in sources:
            raise TransitionNotAllowed(f"{only_from.value} cannot become {target.value}")
        sources = frozenset({only_from})
    return sorted(status.value for status in sources)


def _previous_status(record: LedgerRecord) -> str | None:
    """The status before the change a write just appended to the record's history."""
    history = record.get("history") or []
    return str(history[-2]["status"]) if len(history) > 1 else None


def _history_entry(status: Status, by: str, reason: str, at: str) -> HistoryEntry:
    return {"status": status.value, "at": at, "by": by, "reason": reason}


def _to_item(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in record.items() if value is not None}


def _from_item(item: Mapping[str, Any]) -> LedgerRecord:
    return cast(
        "LedgerRecord", {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}
    )


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; lakegate only stores whole numbers."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def workflow_ledger(table_name: str, event_bus_name: str, *, defer_failed_events: bool = False) -> Ledger:
    """The ledger a workflow function writes, whose status changes also go to the event bus."""
    return Ledger(
        table_name,
        dynamodb=boto3.client("dynamodb"),
        events=StatusEventPublisher(event_bus_name, events=boto3.client("events")),
        defer_failed_events=defer_failed_events,
    )
