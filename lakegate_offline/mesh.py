"""The lakegate mesh on moto: central, producer and consumer accounts with what the stacks create.

``OfflineMesh`` starts moto with real state machine execution, creates the central ledger,
topics, status-event bus, functions and state machines (the access-request workflow, the
access-expiry and the approval-reminder ones, from the ASL files in ``statemachine/``),
the producer's approval topic and cross-account role, and routes every Lambda invocation to the
project's own handlers in this process.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
from moto import mock_aws

from lakegate.core import manifest
from lakegate.ledger.record import KEY as LEDGER_KEY
from lakegate.ledger.record import LedgerRecord
from lakegate.ledger.status_events import SOURCE as STATUS_EVENT_SOURCE
from lakegate.ledger.store import Ledger
from lakegate_offline.http_api import http_api_event
from lakegate_offline.in_process_lambda import InProcessLambdas, load_handler
from lakegate_offline.user_pool import create_user_pool

REGION = "us-east-1"
CENTRAL_ACCOUNT = "123456789012"  # moto's default account: the central catalog account
PRODUCER_ACCOUNT = "222222222222"
CONSUMER_ACCOUNT = "444455556666"
PRODUCER_TOPIC_NAME = "DataLakeSharingApproval"
PRODUCER_ROLE_NAME = "ProducerWorkflowRole"
APPROVAL_PUBLISHER_ROLE_NAME = "LakegateApprovalPublisher"
EVENT_BUS_NAME = "lakegate"
ACCESS_REQUEST_STATE_MACHINE_NAME = "lakegate-access-request"
DEFAULT_DECISION_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_USER_ROLE_PREFIX = "lakegate-user-"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})

MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: str
    headers: Mapping[str, str]


@dataclass
class OfflineMesh:
    """Handles to everything the mesh created, and helpers to drive it as a person would."""

    approval_timeout_seconds: int = 3600
    # The length of a day of access in seconds: the clock compression of time-bound access (1 lets
    # a request for 2 days of access expire 2 seconds after its grant).
    access_day_seconds: int = manifest.DAY_SECONDS
    # How long before the approval deadline the owner is reminded: 0 (the default here) sends no
    # reminder; tests give a short approval timeout and a reminder a second or two before it.
    approval_reminder_seconds: float = 0
    # Per-user roles: with this prefix, the consumer's role lakegate-user-jdoe is jdoe's own, and the
    # ledger, the owner's email and the events name jdoe ("" turns the convention off).
    user_role_prefix: str = DEFAULT_USER_ROLE_PREFIX
    decision_base_url: str = DEFAULT_DECISION_BASE_URL
    # The mesh's members, as the central stack's consumer_account_ids and producer_account_ids.
    consumer_account_ids: tuple[str, ...] = (CONSUMER_ACCOUNT,)
    producer_account_ids: tuple[str, ...] = (PRODUCER_ACCOUNT,)
    region: str = REGION
    lambdas: InProcessLambdas = field(default_factory=InProcessLambdas)
    ledger_table: str = "lakegate-ledger"
    state_machine_arn: str = ""
    expiry_state_machine_arn: str = ""
    reminder_state_machine_arn: str = ""
    notification_topic_arn: str = ""
    approval_topic_arn: str = ""
    event_bus_arn: str = ""
    # The portal's Cognito user pool and app client (the central stack's), created before the functions.
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    function_arns: dict[str, str] = field(default_factory=dict)
    _queues: dict[str, str] = field(default_factory=dict)
    _status_events: list[dict[str, Any]] = field(default_factory=list)

    # ----- clients -------------------------------------------------------------------------------

    def client(self, service: str, account: str = CENTRAL_ACCOUNT) -> Any:
        """A boto3 client acting in ``account`` (central by default)."""
        # Any service by name: boto3's typed overloads want literal names.
        create: Any = boto3.client
        if account == CENTRAL_ACCOUNT:
            return create(service, region_name=self.region)
        credentials = boto3.client("sts", region_name=self.region).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="lakegate-setup",
        )["Credentials"]
        return create(
            service,
            region_name=self.region,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    # ----- building ------------------------------------------------------------------------------

    def build(self) -> None:
        self._build_producer()
        self._build_central()

    def _build_producer(self) -> None:
        iam = self.client("iam", PRODUCER_ACCOUNT)
        publisher = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/{APPROVAL_PUBLISHER_ROLE_NAME}"
        iam.create_role(
            RoleName=PRODUCER_ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": publisher}, "Action": "sts:AssumeRole"}
                    ],
                }
            ),
        )
        key_id = self.client("kms", PRODUCER_ACCOUNT).create_key(Description="approval topic")["KeyMetadata"][
            "KeyId"
        ]
        sns = self.client("sns", PRODUCER_ACCOUNT)
        self.approval_topic_arn = sns.create_topic(
            Name=PRODUCER_TOPIC_NAME, Attributes={"KmsMasterKeyId": key_id}
        )["TopicArn"]
        self._queues["approval"] = self._subscribe_queue(
            PRODUCER_ACCOUNT, self.approval_topic_arn, "approver-inbox"
        )

    def _build_central(self) -> None:
        create_ledger_table(self.client("dynamodb"), self.ledger_table)
        sns = self.client("sns")
        self.notification_topic_arn = sns.create_topic(Name="lakegate-consumer-notifications")["TopicArn"]
        self._queues["notifications"] = self._subscribe_queue(
            CENTRAL_ACCOUNT, self.notification_topic_arn, "consumer-inbox"
        )
        events = self.client("events")
        self.event_bus_arn = events.create_event_bus(Name=EVENT_BUS_NAME)["EventBusArn"]
        self._queues["status_events"] = route_status_events_to_queue(
            events, self.client("sqs"), bus_name=EVENT_BUS_NAME, queue_name="status-events"
        )
        # The expiry state machine invokes the revoke function, and grant_access starts it: its ARN
        # is known from its name before the functions exist, so it is created after them.
        expiry_name = "lakegate-access-expiry"
        expected_expiry_arn = f"arn:aws:states:{self.region}:{CENTRAL_ACCOUNT}:stateMachine:{expiry_name}"
        # Likewise the reminder state machine, which invokes request_approval and which it starts.
        reminder_name = "lakegate-approval-reminder"
        expected_reminder_arn = f"arn:aws:states:{self.region}:{CENTRAL_ACCOUNT}:stateMachine:{reminder_name}"
        # And the access-request state machine, which the portal starts.
        expected_request_arn = (
            f"arn:aws:states:{self.region}:{CENTRAL_ACCOUNT}:stateMachine:{ACCESS_REQUEST_STATE_MACHINE_NAME}"
        )
        # The key that proves which portal user submitted a request (the central stack's RequesterKey).
        requester_key = self.client("kms").create_key(
            Description="proves who submitted a request", KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC"
        )["KeyMetadata"]["Arn"]
        user_pool = create_user_pool(self.client("cognito-idp"), region=self.region)
        self.user_pool_id, self.user_pool_client_id = user_pool.pool_id, user_pool.client_id
        values = {
            manifest.LEDGER_TABLE_NAME: self.ledger_table,
            manifest.NOTIFICATION_TOPIC_ARN: self.notification_topic_arn,
            manifest.APPROVAL_TIMEOUT_SECONDS: str(self.approval_timeout_seconds),
            manifest.DECISION_BASE_URL: self.decision_base_url,
            manifest.PRODUCER_ROLE_NAME: PRODUCER_ROLE_NAME,
            manifest.PRODUCER_TOPIC_NAME: PRODUCER_TOPIC_NAME,
            manifest.EVENT_BUS_NAME: EVENT_BUS_NAME,
            # Function names are lakegate-<key> here (see below); the stack passes its own.
            manifest.REVOKE_FUNCTION_NAME: "lakegate-revoke_access",
            manifest.EXPIRY_STATE_MACHINE_ARN: expected_expiry_arn,
            manifest.ACCESS_DAY_SECONDS: str(self.access_day_seconds),
            manifest.APPROVAL_REMINDER_SECONDS: str(self.approval_reminder_seconds),
            manifest.REMINDER_STATE_MACHINE_ARN: expected_reminder_arn,
            manifest.USER_ROLE_PREFIX: self.user_role_prefix,
            manifest.STATE_MACHINE_ARN: expected_request_arn,
            manifest.USER_POOL_CLIENT_ID: self.user_pool_client_id,
            manifest.CENTRAL_ACCOUNT_ID: CENTRAL_ACCOUNT,
            manifest.CONSUMER_ACCOUNT_IDS: ",".join(self.consumer_account_ids),
            manifest.PRODUCER_ACCOUNT_IDS: ",".join(self.producer_account_ids),
            manifest.REQUESTER_KEY_ID: requester_key,
        }
        iam = self.client("iam")
        lambda_client = self.client("lambda")
        for spec in manifest.FUNCTIONS:
            role_name = (
                APPROVAL_PUBLISHER_ROLE_NAME if spec.key == "request_approval" else f"lakegate-{spec.key}"
            )
            role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=_trust("lambda"))["Role"][
                "Arn"
            ]
            environment = {name: values[name] for name in spec.environment}
            function = lambda_client.create_function(
                FunctionName=f"lakegate-{spec.key}",
                Runtime="python3.12",
                Role=role_arn,
                Handler=spec.handler,
                Code={"ZipFile": _placeholder_zip()},
                Description=spec.description,
                Environment={"Variables": environment},
            )
            handler = load_handler(spec.handler, {**environment, "AWS_REGION": self.region})
            self.lambdas.register(function["FunctionName"], function["FunctionArn"], handler)
            self.function_arns[spec.key] = function["FunctionArn"]
        self.state_machine_arn = self._create_state_machine(
            manifest.ACCESS_REQUEST, ACCESS_REQUEST_STATE_MACHINE_NAME
        )
        self.expiry_state_machine_arn = self._create_state_machine(manifest.ACCESS_EXPIRY, expiry_name)
        self.reminder_state_machine_arn = self._create_state_machine(manifest.ACCESS_REMINDER, reminder_name)
        for created, told, who in (
            (self.state_machine_arn, expected_request_arn, "portal"),
            (self.expiry_state_machine_arn, expected_expiry_arn, "grant_access"),
            (self.reminder_state_machine_arn, expected_reminder_arn, "request_approval"),
        ):
            if created != told:
                raise RuntimeError(f"the state machine is {created}, but {who} was told {told}")
        for account in (CENTRAL_ACCOUNT, PRODUCER_ACCOUNT):
            # The producer's copy lets its data owners run `lakegate approve` with their own credentials.
            self.client("ssm", account).put_parameter(
                Name=manifest.CENTRAL_SETTINGS_PARAMETER,
                Type="String",
                Value=json.dumps(self.central_settings()),
                Description="Where lakegate's central resources are (read by the lakegate CLI)",
            )

    def central_settings(self) -> dict[str, str]:
        """What the central stack publishes in the CENTRAL_SETTINGS_PARAMETER, for this mesh."""
        return {
            "state_machine_arn": self.state_machine_arn,
            "ledger_table": self.ledger_table,
            "decision_api_url": self.decision_base_url,
            # The sandbox serves the owners' route beside the links; in AWS it is a function URL.
            "owner_decision_url": self.decision_base_url,
            "notification_topic_arn": self.notification_topic_arn,
            "user_role_prefix": self.user_role_prefix,
        }

    def _create_state_machine(self, definition: manifest.Definition, name: str) -> str:
        """A state machine from one of the ASL files, with this mesh's function ARNs substituted."""
        role = self.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=_trust("states"))
        created = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=definition.render(definition.substitutions(self.function_arns)),
            roleArn=role["Role"]["Arn"],
        )
        return str(created["stateMachineArn"])

    def _subscribe_queue(self, account: str, topic_arn: str, name: str) -> str:
        sqs = self.client("sqs", account)
        queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.client("sns", account).subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return str(queue_url)

    # ----- driving -------------------------------------------------------------------------------

    def start(self, request: Mapping[str, Any], name: str) -> str:
        """Start an execution as the console does; ``name`` becomes the request id."""
        started = self.client("stepfunctions").start_execution(
            stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(request)
        )
        return str(started["executionArn"])

    def wait(self, execution_arn: str, *, until: str = "terminal", timeout: float = 30.0) -> dict[str, Any]:
        """Poll until the execution ends (or, with ``until="waiting"``, until the owner was asked)."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] in TERMINAL:
                return described
            if until == "waiting" and self._waiting_for_owner(execution_arn):
                return described
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout}s")
            time.sleep(0.02)

    def run(self, request: Mapping[str, Any], name: str, *, timeout: float = 30.0) -> dict[str, Any]:
        """Start an execution and wait for it to end."""
        return self.wait(self.start(request, name), timeout=timeout)

    def _waiting_for_owner(self, execution_arn: str) -> bool:
        """True once the approval email went out and the execution waits for the task token."""
        history = self.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
        return any(event["type"] == "TaskSubmitted" for event in history)

    def ledger_record(self, request_id: str) -> LedgerRecord | None:
        return Ledger(self.ledger_table, dynamodb=self.client("dynamodb")).get(request_id)

    def approval_emails(self) -> list[dict[str, Any]]:
        """Messages delivered to the producer's approval topic (subject and body)."""
        return self._drain("approval", PRODUCER_ACCOUNT)

    def consumer_notices(self) -> list[dict[str, Any]]:
        """Messages delivered to the consumer-notification topic, with their attributes."""
        return self._drain("notifications", CENTRAL_ACCOUNT)

    def status_events(self, request_id: str | None = None) -> list[dict[str, Any]]:
        """Every status event put on the bus so far (of ``request_id`` only, if given), in the order put.

        Events as EventBridge delivers them to a target: ``source``, ``detail-type``, ``time``,
        ``detail`` and the rest (moto keeps the order; EventBridge would not promise it). Unlike the
        inboxes, reading does not consume them.
        """
        self._status_events.extend(receive_events(self.client("sqs"), self._queues["status_events"]))
        return [
            event
            for event in self._status_events
            if request_id is None or event["detail"]["request_id"] == request_id
        ]

    def _drain(self, queue: str, account: str) -> list[dict[str, Any]]:
        sqs = self.client("sqs", account)
        messages: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self._queues[queue], MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not batch:
                return messages
            for message in batch:
                envelope = json.loads(message["Body"])
                messages.append(
                    {
                        "subject": envelope.get("Subject"),
                        "body": envelope["Message"],
                        "attributes": {
                            name: value["Value"]
                            for name, value in (envelope.get("MessageAttributes") or {}).items()
                        },
                        "topic_arn": envelope.get("TopicArn"),
                    }
                )
                sqs.delete_message(QueueUrl=self._queues[queue], ReceiptHandle=message["ReceiptHandle"])

    def http(self, method: str, url: str, form: Mapping[str, str] | None = None) -> HttpResponse:
        """Send a browser-like request to the decision API, as API Gateway would deliver it."""
        parts = urlsplit(url)
        body = urlencode(form) if form is not None else None
        headers = {"host": parts.netloc or "localhost"}
        if body is not None:
            headers["content-type"] = "application/x-www-form-urlencoded"
        event = http_api_event(method, parts.path, query=parts.query, body=body, headers=headers)
        payload, errored = self.lambdas.invoke(self.function_arns["decision_api"], event)
        if errored:
            raise RuntimeError(f"decision API crashed: {payload['errorType']}: {payload['errorMessage']}")
        return HttpResponse(
            status=payload["statusCode"], body=payload.get("body") or "", headers=payload.get("headers") or {}
        )

    def post_decision(self, link: str, action: str, *, approver: str = "", comment: str = "") -> HttpResponse:
        """Open a link's confirmation page and press a button on it, as the owner does."""
        query = dict(parse_qsl(urlsplit(link).query))
        form = {"secret": query.get("secret", ""), "action": action, "approver": approver, "comment": comment}
        return self.http("POST", link.split("?", 1)[0], form)


@contextmanager
def offline_mesh(**options: Any) -> Iterator[OfflineMesh]:
    """Start moto, build the mesh, and keep both alive for the block."""
    with ExitStack() as stack:
        stack.enter_context(mock_aws(config=MOTO_CONFIG))
        mesh = OfflineMesh(**options)
        stack.enter_context(mesh.lambdas.installed())
        mesh.build()
        yield mesh


def create_ledger_table(dynamodb: Any, name: str) -> None:
    """The ledger table with the key schema the central stack gives it."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": LEDGER_KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": LEDGER_KEY, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def route_status_events_to_queue(events: Any, sqs: Any, *, bus_name: str, queue_name: str) -> str:
    """An SQS queue receiving every lakegate event on the bus, through a rule (moto delivers to SQS)."""
    queue_url = str(sqs.create_queue(QueueName=queue_name)["QueueUrl"])
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name=f"{queue_name}-all-status-events",
        EventBusName=bus_name,
        EventPattern=json.dumps({"source": [STATUS_EVENT_SOURCE]}),
    )
    events.put_targets(
        Rule=f"{queue_name}-all-status-events",
        EventBusName=bus_name,
        Targets=[{"Id": "queue", "Arn": queue_arn}],
    )
    return queue_url


def receive_events(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Take the EventBridge events waiting in a target queue, in the order the queue gives them."""
    received: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return received
        for message in batch:
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": f"{service}.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def _placeholder_zip() -> bytes:
    """moto needs a code package; the code that runs is the handler loaded from lambdas/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "lakegate functions run in-process from lambdas/\n")
    return buffer.getvalue()
