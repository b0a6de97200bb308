"""A short lease per bucket in DynamoDB, so lakegate edits one bucket's policy at a time.

S3 has no conditional PutBucketPolicy: two functions reading the same policy and each writing
their own addition would lose one of them. The lease makes lakegate's own edits take turns; the
read-modify-write in ``s3_fulfilment`` still re-checks the policy for edits made by anyone else.
A lease left by a function that died expires after ``lease_seconds`` (the item's TTL attribute
lets DynamoDB remove it later too).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from lakegate.core.errors import LakegateError, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class LockNotAcquired(LakegateError):
    """Another edit of the same bucket's policy held the lease for too long; the event is retried."""


class BucketPolicyLocks:
    def __init__(
        self,
        table_name: str,
        *,
        dynamodb: DynamoDBClient,
        lease_seconds: int = 60,
        wait_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table_name
        self._dynamodb = dynamodb
        self._lease = lease_seconds
        self._wait = wait_seconds
        self._clock = clock
        self._sleep = sleep

    @contextmanager
    def holding(self, bucket: str) -> Iterator[None]:
        """Hold the lease on ``bucket`` for the duration of the block."""
        holder = uuid.uuid4().hex
        self._acquire(bucket, holder)
        try:
            yield
        finally:
            self._release(bucket, holder)

    def _acquire(self, bucket: str, holder: str) -> None:
        deadline = self._clock() + self._wait
        delay = 0.05
        while True:
            now = self._clock()
            try:
                self._dynamodb.put_item(
                    TableName=self._table,
                    Item={
                        "bucket": {"S": bucket},
                        "holder": {"S": holder},
                        "expires_at": {"N": str(int(now) + self._lease)},
                    },
                    ConditionExpression="attribute_not_exists(#bucket) OR expires_at < :now",
                    ExpressionAttributeNames={"#bucket": "bucket"},
                    ExpressionAttributeValues={":now": {"N": str(int(now))}},
                )
                return
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
            if self._clock() + delay > deadline:
                raise LockNotAcquired(f"the policy of bucket {bucket} stayed locked for {self._wait:.0f} s")
            self._sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)

    def _release(self, bucket: str, holder: str) -> None:
        try:
            self._dynamodb.delete_item(
                TableName=self._table,
                Key={"bucket": {"S": bucket}},
                ConditionExpression="holder = :holder",
                ExpressionAttributeValues={":holder": {"S": holder}},
            )
        except ClientError as error:
            # Our lease expired and someone else holds it now: theirs to release.
            if error_code(error) != "ConditionalCheckFailedException":
                raise
