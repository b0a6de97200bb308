"""Recorded calls turned into IAM actions and resources, against the Service Authorization facts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.iam import authorization
from tests.iam.recorded import RecordedCall, RecordedFunction
from tests.iam.resources import TASK_TOKEN_ISSUER, Access, DerivationError, accesses

FACTS = authorization.load()
FUNCTION = RecordedFunction(id="1", handler="lakegate.handlers.x.handler")


def call(prefix: str, operation: str, service: str | None = None, **params: Any) -> RecordedCall:
    return RecordedCall(
        function=FUNCTION,
        service=service or prefix,
        prefix=prefix,
        operation=operation,
        params=params,
        region="us-east-1",
        partition="aws",
        account="123456789012",
        principal=None,
    )


def resources(found: list[Access]) -> dict[str, tuple[str, ...]]:
    return {access.action: access.resources for access in found}


def test_a_table_call_is_checked_on_the_table() -> None:
    assert resources(accesses(call("dynamodb", "UpdateItem", TableName="ledger"), FACTS)) == {
        "dynamodb:UpdateItem": ("arn:aws:dynamodb:us-east-1:123456789012:table/ledger",)
    }


def test_glue_calls_need_the_catalog_the_database_and_the_tables() -> None:
    found = accesses(call("glue", "GetTables", DatabaseName="sales", CatalogId="222222222222"), FACTS)
    assert resources(found) == {
        "glue:GetTables": (
            "arn:aws:glue:us-east-1:222222222222:catalog",
            "arn:aws:glue:us-east-1:222222222222:database/sales",
            "arn:aws:glue:us-east-1:222222222222:table/sales/*",
        )
    }


def test_an_operation_with_another_action_name_and_a_partial_function_arn() -> None:
    found = accesses(call("lambda", "Invoke", FunctionName="123456789012:function:revoke"), FACTS)
    assert resources(found) == {
        "lambda:InvokeFunction": ("arn:aws:lambda:us-east-1:123456789012:function:revoke",)
    }


def test_an_action_without_resource_types_is_checked_on_the_wildcard() -> None:
    assert resources(accesses(call("lakeformation", "GrantPermissions"), FACTS)) == {
        "lakeformation:GrantPermissions": ("*",)
    }


def test_a_task_response_is_checked_on_the_state_machine_that_issued_the_token() -> None:
    found = accesses(call("states", "SendTaskSuccess", service="stepfunctions"), FACTS)
    assert resources(found) == {"states:SendTaskSuccess": (TASK_TOKEN_ISSUER,)}


def test_an_operation_that_needs_no_permission_needs_nothing() -> None:
    assert accesses(call("cognito-idp", "InitiateAuth", ClientId="c"), FACTS) == []


def test_the_request_context_carries_what_conditions_read() -> None:
    arn = "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/i-1"
    (access,) = accesses(call("ram", "AcceptResourceShareInvitation", resourceShareInvitationArn=arn), FACTS)
    assert access.context["ram:ShareOwnerAccountId"] == "111111111111"
    (bucket,) = accesses(call("s3", "PutBucketPolicy", Bucket="sales-raw"), FACTS)
    assert bucket.resources == ("arn:aws:s3:::sales-raw",)
    assert bucket.context["s3:ResourceAccount"] == "123456789012"


def test_a_derivation_must_agree_with_the_resource_types() -> None:
    with pytest.raises(DerivationError, match="none of the resource types"):
        accesses(call("sns", "Publish", TopicArn="arn:aws:sqs:us-east-1:123456789012:queue"), FACTS)


def test_an_action_missing_from_the_facts_or_without_a_derivation_fails() -> None:
    with pytest.raises(DerivationError, match="not in the Service Authorization facts"):
        accesses(call("dynamodb", "TransactWriteItems"), FACTS)
    with pytest.raises(DerivationError, match="no resource derivation"):
        accesses(call("logs", "PutLogEvents"), FACTS)
