"""Start and stop the sandbox: moto's server, the mesh built on it, the portal's users, and the web server."""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from lakegate_offline.mesh import (
    CENTRAL_ACCOUNT,
    CONSUMER_ACCOUNT,
    MOTO_CONFIG,
    PRODUCER_ACCOUNT,
    REGION,
    OfflineMesh,
)
from lakegate_offline.sample_catalog import load_sample_catalog
from lakegate_sandbox.outbox import Outbox
from lakegate_sandbox.portal import FUNCTION_KEY as PORTAL_FUNCTION_KEY
from lakegate_sandbox.portal import PortalUser, create_sample_users, portal_authorizer
from lakegate_sandbox.web import Portal, SandboxWeb

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_WEB_PORT = 4567
SANDBOX_INFO_PARAMETER = "/lakegate/sandbox"
# The credentials of a data owner in the producer account, for `lakegate approve` / `deny`.
OWNER_USER_NAME = "data-owner"


@dataclass(frozen=True)
class SandboxOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    web_port: int = DEFAULT_WEB_PORT
    sample_data: bool = True
    approval_timeout_seconds: int = 72 * 3600
    # Clock compression for time-bound access: how many seconds a "day" of access lasts.
    access_day_seconds: int = 86400
    # Approver reminder: seconds before the approval deadline; 0 (the default here) sends none.
    approval_reminder_seconds: float = 0

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"


class Sandbox:
    """The running sandbox; ``info()`` says where everything is."""

    def __init__(
        self,
        options: SandboxOptions,
        mesh: OfflineMesh,
        owner_credentials: Mapping[str, str],
        portal_users: Sequence[PortalUser] = (),
    ) -> None:
        self.options = options
        self.mesh = mesh
        self.owner_credentials = dict(owner_credentials)
        self.portal_users = tuple(portal_users)

    def info(self) -> dict[str, Any]:
        web = self.options.web_url
        return {
            "endpoint_url": self.options.endpoint,
            "region": REGION,
            "accounts": {
                "central": CENTRAL_ACCOUNT,
                "producer": PRODUCER_ACCOUNT,
                "consumer": CONSUMER_ACCOUNT,
            },
            "state_machine_arn": self.mesh.state_machine_arn,
            "expiry_state_machine_arn": self.mesh.expiry_state_machine_arn,
            "reminder_state_machine_arn": self.mesh.reminder_state_machine_arn,
            "access_day_seconds": self.options.access_day_seconds,
            "user_role_prefix": self.mesh.user_role_prefix,
            "ledger_table": self.mesh.ledger_table,
            "approval_topic_arn": self.mesh.approval_topic_arn,
            "notification_topic_arn": self.mesh.notification_topic_arn,
            "decision_api_url": web,
            "outbox_url": f"{web}/outbox",
            "outbox_json_url": f"{web}/outbox.json",
            "owner_credentials": self.owner_credentials,
            "portal_url": f"{web}/portal",
            "user_pool_id": self.mesh.user_pool_id,
            "user_pool_client_id": self.mesh.user_pool_client_id,
            "portal_users": [user.to_json() for user in self.portal_users],
            "state": "in memory: everything is gone when the sandbox stops",
        }


@contextmanager
def running_sandbox(options: SandboxOptions) -> Iterator[Sandbox]:
    """Run the sandbox for the block: moto on ``options.port``, the web server on ``options.web_port``."""
    _use_sandbox_environment(options)
    with ExitStack() as stack:
        moto = ThreadedMotoServer(ip_address=options.host, port=options.port, verbose=False)
        moto.start()
        stack.callback(moto.stop)
        _configure_moto(options.endpoint)
        mesh = OfflineMesh(
            approval_timeout_seconds=options.approval_timeout_seconds,
            access_day_seconds=options.access_day_seconds,
            approval_reminder_seconds=options.approval_reminder_seconds,
            decision_base_url=options.web_url,
        )
        stack.enter_context(mesh.lambdas.installed())
        mesh.build()
        if options.sample_data:
            load_sample_catalog(mesh.client("glue"), producer_account=PRODUCER_ACCOUNT)
        sandbox = Sandbox(options, mesh, _create_owner(mesh), create_sample_users(mesh))
        mesh.client("ssm").put_parameter(
            Name=SANDBOX_INFO_PARAMETER,
            Type="String",
            Value=json.dumps(sandbox.info()),
            Overwrite=True,
        )
        outbox = Outbox({"approval email": mesh.approval_emails, "consumer notice": mesh.consumer_notices})
        web = SandboxWeb(
            (options.host, options.web_port),
            invoke_decision=lambda event: mesh.lambdas.invoke(mesh.function_arns["decision_api"], event),
            resolve_caller=lambda access_key: _caller_of(access_key, options.endpoint),
            outbox=outbox,
            info=sandbox.info,
            portal=_portal(mesh, options.endpoint),
        )
        thread = threading.Thread(target=web.serve_forever, name="sandbox-web", daemon=True)
        thread.start()
        stack.callback(web.server_close)
        stack.callback(web.shutdown)
        yield sandbox


def _use_sandbox_environment(options: SandboxOptions) -> None:
    """Point every boto3 client of this process (the handlers' too) at the sandbox."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "MOTO_ACCOUNT_ID"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": options.endpoint,
            # moto's state machine executor calls the other services on localhost:MOTO_PORT.
            "MOTO_PORT": str(options.port),
        }
    )
    for noisy in ("werkzeug", "moto"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)


def _configure_moto(endpoint: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/config",
        data=json.dumps(MOTO_CONFIG).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _portal(mesh: OfflineMesh, endpoint: str) -> Portal | None:
    """The portal function behind its authorizer, once the functions include it."""
    arn = mesh.function_arns.get(PORTAL_FUNCTION_KEY)
    if arn is None:
        return None
    return Portal(
        invoke=lambda event: mesh.lambdas.invoke(arn, event),
        authorizer=portal_authorizer(mesh, endpoint),
    )


def _create_owner(mesh: OfflineMesh) -> dict[str, str]:
    """An IAM user in the producer account whose keys sign `lakegate approve` as the data owner."""
    iam = mesh.client("iam", PRODUCER_ACCOUNT)
    iam.create_user(UserName=OWNER_USER_NAME)
    key = iam.create_access_key(UserName=OWNER_USER_NAME)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def _caller_of(access_key: str, endpoint: str) -> dict[str, Any] | None:
    """Who owns an access key, as API Gateway's IAM authorizer would report it."""
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key="not-checked-by-the-emulator",
    )
    try:
        identity = sts.get_caller_identity()
    except Exception:  # any failure means: not a known caller
        return None
    return {
        "accessKey": access_key,
        "accountId": identity["Account"],
        "userArn": identity["Arn"],
        "callerId": identity["UserId"],
        "userId": identity["UserId"],
    }
