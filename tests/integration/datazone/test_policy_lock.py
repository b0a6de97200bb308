"""The per-bucket lease lakegate takes before editing a bucket policy, on moto's DynamoDB."""

from __future__ import annotations

from typing import Any

import pytest

from lakegate.datazone.policy_lock import BucketPolicyLocks, LockNotAcquired

pytestmark = pytest.mark.integration

TABLE = "policy-locks"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def table(dynamodb: Any) -> Any:
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb


def locks(dynamodb: Any, time: FakeTime, *, wait: float = 5.0) -> BucketPolicyLocks:
    return BucketPolicyLocks(
        TABLE, dynamodb=dynamodb, lease_seconds=60, wait_seconds=wait, clock=time.clock, sleep=time.sleep
    )


def test_a_held_bucket_makes_the_next_edit_wait_and_give_up_with_a_clear_error(table: Any) -> None:
    time = FakeTime()
    with locks(table, time).holding("sales-raw"):
        waiting = locks(table, time).holding("sales-raw")
        with pytest.raises(LockNotAcquired, match="the policy of bucket sales-raw stayed locked for 5 s"):
            waiting.__enter__()
        with locks(table, time).holding("other-bucket"):  # other buckets are not held up
            pass


def test_the_lease_is_released_after_the_edit_even_when_it_fails(table: Any) -> None:
    time = FakeTime()
    with pytest.raises(RuntimeError), locks(table, time).holding("sales-raw"):
        raise RuntimeError("edit failed")

    assert "Item" not in table.get_item(TableName=TABLE, Key={"bucket": {"S": "sales-raw"}})


def test_a_lease_left_by_a_function_that_died_expires(table: Any) -> None:
    time = FakeTime()
    abandoned = locks(table, time).holding("sales-raw")
    abandoned.__enter__()  # never left: the function timed out

    time.now += 61
    with locks(table, time).holding("sales-raw"):
        holder = table.get_item(TableName=TABLE, Key={"bucket": {"S": "sales-raw"}})["Item"]["holder"]["S"]

    assert holder  # taken over; and released again afterwards
    assert "Item" not in table.get_item(TableName=TABLE, Key={"bucket": {"S": "sales-raw"}})
