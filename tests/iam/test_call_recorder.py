"""The recorder behind the coverage check: what it writes, and what it leaves out."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import boto3

from lakegate_offline import call_recorder
from lakegate_offline.mesh import REGION
from tests.iam.recorded import read_calls


def test_only_calls_made_while_a_handler_runs_are_recorded_with_its_environment(
    aws: None, tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    with call_recorder.writing_to(str(log)):
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="notices")["TopicArn"]  # setup: not a function's call

        def handler(event: dict[str, Any], context: Any) -> str:
            sns.publish(TopicArn=event["topic"], Subject="hello", Message="a body that is not kept")
            return "sent"

        wrapped = call_recorder.attributed(handler, "lakegate.handlers.notify.handler", {"TOPIC_ARN": topic})
        assert wrapped({"topic": topic}, None) == "sent"
        assert inspect.unwrap(wrapped) is handler  # tests reach the module's globals through it

    (call,) = read_calls(log)
    assert call.function.handler == "lakegate.handlers.notify.handler"
    assert call.function.environment == {"TOPIC_ARN": topic}
    assert (call.prefix, call.operation, call.params) == ("sns", "Publish", {"TopicArn": topic})
    assert (call.principal, call.account, call.region) == (None, "123456789012", REGION)


def test_calls_with_assumed_role_credentials_name_that_role_and_its_account(
    aws: None, tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    role_arn = "arn:aws:iam::222222222222:role/ProducerWorkflowRole"
    with call_recorder.writing_to(str(log)):
        sts = boto3.client("sts", region_name=REGION)

        def handler(event: Any, context: Any) -> None:
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="lakegate-test")["Credentials"]
            sns = boto3.client(
                "sns",
                region_name=REGION,
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
            sns.list_topics()

        call_recorder.attributed(handler, "lakegate.handlers.approve.handler", {})(None, None)

    assume, listing = read_calls(log)
    assert (assume.operation, assume.principal, assume.params["RoleArn"]) == ("AssumeRole", None, role_arn)
    assert (listing.operation, listing.principal, listing.account) == ("ListTopics", role_arn, "222222222222")


def test_a_handler_called_by_another_gets_its_own_calls(aws: None, tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    with call_recorder.writing_to(str(log)):
        sqs = boto3.client("sqs", region_name=REGION)
        inner = call_recorder.attributed(
            lambda event, context: sqs.list_queues(), "lakegate.handlers.inner.handler", {}
        )

        def outer(event: Any, context: Any) -> None:
            inner(event, context)
            sqs.create_queue(QueueName="after")

        call_recorder.attributed(outer, "lakegate.handlers.outer.handler", {})(None, None)

    assert [(call.function.handler, dict(call.params)) for call in read_calls(log)] == [
        ("lakegate.handlers.inner.handler", {}),
        ("lakegate.handlers.outer.handler", {"QueueName": "after"}),
    ]


def test_only_parameters_that_name_resources_are_kept() -> None:
    params = {
        "TableName": "ledger",
        "Key": {"request_id": {"S": "r1"}},
        "Entries": [{"EventBusName": "lakegate", "Detail": "{}"}],
        "TableInput": {"Name": "orders", "StorageDescriptor": {}},
        "resourceShareArns": ["arn:aws:ram:us-east-1:1:resource-share/s"],
        "Message": "a body",
    }
    assert call_recorder.naming_params(params) == {
        "TableName": "ledger",
        "Entries": [{"EventBusName": "lakegate"}],
        "TableInput": {"Name": "orders"},
        "resourceShareArns": ["arn:aws:ram:us-east-1:1:resource-share/s"],
    }
