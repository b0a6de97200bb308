"""lakegate's deployment settings: CDK context turned into one frozen, validated object.

Every key is documented with its default in ``cdk.json``. Values given on the command line
(``cdk synth -c key=value``) always arrive as strings, so numbers, booleans, lists and objects are also
accepted in their written form: ``-c approval_timeout_hours=48``, ``-c datazone_auto_approval=true``,
``-c producer_account_ids=111111111111,222222222222``, ``-c 'producer_account_ids=["111111111111"]'`` or
``-c 'datazone_bucket_accounts={"sales-data": "222222222222"}'``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Construct

from lakegate.core.identifiers import is_account_id
from lakegate.datazone.rules import RulesError, compact_json

# Where relative paths in the context (datazone_rules_file) start: the app directory, next to cdk.json.
APP_DIR = Path(__file__).resolve().parents[1]
# Lambda allows 4 KB for all environment variables together; the rules must leave room for the rest.
MAX_RULES_JSON_LENGTH = 3500
# The mesh's account lists, comma-separated in the evaluate and portal functions' environment: 200
# accounts, leaving room for their other variables within Lambda's 4 KB.
MAX_MESH_MEMBERS_LENGTH = 200 * 13

_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
# The start of a per-user role's name: IAM role-name characters, leaving at least 24 for the user name.
_USER_ROLE_PREFIX = re.compile(r"[\w+=,.@-]{1,40}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Glue names the consumer stack creates: lower case (Glue stores names so) and plain for Athena.
_LINK_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,63}")
_GLUE_NAME = re.compile(r"[a-z][a-z0-9_]{0,254}")
# A custom EventBridge bus name; "/" is left out because only partner buses ("aws.partner/...") use it.
_EVENT_BUS_NAME = re.compile(r"[A-Za-z0-9._-]{1,256}")
# SageMaker Catalog (DataZone) domain identifiers (API reference: ^dzd[-_][a-zA-Z0-9_-]{1,36}$).
_DATAZONE_DOMAIN_ID = re.compile(r"dzd[-_][a-zA-Z0-9_-]{1,36}")
# S3 general purpose bucket names: 3-63 lower-case letters, digits, '.' or '-', starting and ending with
# a letter or digit.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

# The retention periods CloudWatch Logs accepts (AWS::Logs::LogGroup RetentionInDays), in days.
LOG_RETENTION: Mapping[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
LOG_RETENTION_DAYS = tuple(LOG_RETENTION)


class ConfigError(ValueError):
    """A CDK context value is missing or malformed; the message names the context key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"CDK context '{key}': {problem}")
        self.key = key


@dataclass(frozen=True)
class LakegateConfig:
    """The settings both stacks are built from; build it with ``from_app`` or ``from_context``."""

    # The central catalog account; the producer stack is built only when it is set.
    central_account_id: str | None = None
    # How long the owner has to decide before the request ends EXPIRED (1 to 8760).
    approval_timeout_hours: int = 72
    # How many hours before that deadline an undecided sensitive request's owner gets one reminder
    # email with fresh links (0 disables reminders; otherwise below approval_timeout_hours).
    approval_reminder_hours: int = 24
    # Physical names of the producer account's approval topic and cross-account role.
    producer_topic_name: str = "DataLakeSharingApproval"
    producer_role_name: str = "ProducerWorkflowRole"
    # Fixed name of the central request_approval function's role: the one role producers trust.
    approval_publisher_role_name: str = "LakegateApprovalPublisher"
    # Fixed name of the central read-only role `lakegate audit` assumes (trusted by the central account).
    audit_role_name: str = "LakegateAuditor"
    # Name of the central EventBridge bus every request status change is put on; other teams' rules
    # name it, so it is fixed rather than generated.
    event_bus_name: str = "lakegate"
    # Per-user roles: a role named this prefix followed by a user name is that person's own role (with
    # "lakegate-user-", lakegate-user-jdoe is jdoe's); the ledger, the owner's email and the audit name the
    # person. Empty means the deployment has no such convention.
    user_role_prefix: str = ""
    # The mesh's members. Producer accounts own data products: the workflow asks their owners and
    # assumes their producer role, nowhere else (required, at least one). Consumer accounts may receive
    # data (as an account or through one of their roles); the central account receives it only through a
    # named role. Empty means no account but the central one may receive data.
    producer_account_ids: tuple[str, ...] = ()
    consumer_account_ids: tuple[str, ...] = ()
    # Data owners subscribed by email to the producer's approval topic.
    approver_emails: tuple[str, ...] = ()
    # Throttling of the decision API's default stage (steady requests per second, and burst).
    decision_api_rate_limit: float = 5
    decision_api_burst_limit: int = 10
    portal_rate_limit: float = 10
    portal_burst_limit: int = 20
    # Retention of every log group lakegate creates; a value CloudWatch Logs accepts.
    log_retention_days: int = 90
    # Consumer stack: how often pending RAM invitations are looked for (minutes, 1 to 1440), the
    # prefix of the resource links it creates, and the database holding its table links.
    invitation_check_minutes: int = 15
    resource_link_prefix: str = "shared_"
    resource_link_database: str = "lakegate_shared"
    # Central stack: a consumer's RAM invitation still pending after this many hours is reported.
    stale_invitation_hours: int = 6  # RAM invitations for Glue resources expire after 12 hours
    # Central stack, optional SageMaker Catalog (DataZone) bridge: the domain both parts act on; required
    # when either is enabled.
    datazone_domain_id: str | None = None
    # Part 1: decide the domain's subscription requests by the rules document, read from
    # datazone_rules_file (relative to the app directory) unless datazone_rules gives it inline.
    datazone_auto_approval: bool = False
    datazone_rules_file: str = "datazone-rules.json"
    datazone_rules: Mapping[str, Any] | None = None
    # Part 2: fulfil subscriptions to S3 assets by editing bucket policies through a role in the bucket's
    # account: the central function's fixed role name (trusted by that role), the role the producer
    # stack creates, and which account owns each bucket.
    datazone_s3_fulfilment: bool = False
    datazone_fulfilment_role_name: str = "LakegateS3Fulfilment"
    datazone_s3_policy_role_name: str = "LakegateS3PolicyEditor"
    datazone_bucket_accounts: Mapping[str, str] = field(default_factory=dict)
    # The request portal (Cognito user pool, portal function and routes); false deploys the workflow, the
    # approval links and the CLI's paths only.
    portal: bool = True

    def __post_init__(self) -> None:
        if self.central_account_id is not None:
            _check_account_id("central_account_id", self.central_account_id)
        _check_int_range("approval_timeout_hours", self.approval_timeout_hours, 1, 8760)
        _check_int_range("approval_reminder_hours", self.approval_reminder_hours, 0, 8759)
        if self.approval_reminder_hours >= self.approval_timeout_hours:
            raise ConfigError(
                "approval_reminder_hours",
                "must be 0 (no reminder) or less than approval_timeout_hours "
                f"({self.approval_timeout_hours}), got {self.approval_reminder_hours}",
            )
        _check_pattern(
            "producer_topic_name", self.producer_topic_name, _TOPIC_NAME, "1-256 letters, digits, - or _"
        )
        _check_pattern(
            "producer_role_name", self.producer_role_name, _ROLE_NAME, "an IAM role name (1-64 chars)"
        )
        _check_pattern(
            "approval_publisher_role_name",
            self.approval_publisher_role_name,
            _ROLE_NAME,
            "an IAM role name (1-64 chars)",
        )
        _check_pattern("audit_role_name", self.audit_role_name, _ROLE_NAME, "an IAM role name (1-64 chars)")
        _check_event_bus_name(self.event_bus_name)
        if self.user_role_prefix != "":
            _check_pattern(
                "user_role_prefix",
                self.user_role_prefix,
                _USER_ROLE_PREFIX,
                "empty (no per-user roles) or 1-40 IAM role-name characters (letters, digits, +=,.@_-)",
            )
        _check_mesh_members(self.producer_account_ids, self.consumer_account_ids)
        for email in self.approver_emails:
            _check_pattern("approver_emails", email, _EMAIL, "an email address")
        _check_rate("decision_api_rate_limit", self.decision_api_rate_limit)
        _check_int_range("decision_api_burst_limit", self.decision_api_burst_limit, 1, 5000)
        _check_rate("portal_rate_limit", self.portal_rate_limit)
        _check_int_range("portal_burst_limit", self.portal_burst_limit, 1, 5000)
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in LOG_RETENTION_DAYS)
            raise ConfigError(
                "log_retention_days", f"must be one of {allowed}; got {self.log_retention_days!r}"
            )
        _check_int_range("invitation_check_minutes", self.invitation_check_minutes, 1, 1440)
        _check_pattern(
            "resource_link_prefix",
            self.resource_link_prefix,
            _LINK_PREFIX,
            "1-64 lower-case letters, digits or _, starting with a letter",
        )
        _check_pattern(
            "resource_link_database",
            self.resource_link_database,
            _GLUE_NAME,
            "a database name of lower-case letters, digits or _, starting with a letter",
        )
        # A week at most: no RAM invitation lives longer (Glue resources' expire after 12 hours).
        _check_int_range("stale_invitation_hours", self.stale_invitation_hours, 1, 168)
        if not isinstance(self.portal, bool):
            raise ConfigError("portal", f"must be true or false, got {self.portal!r}")
        self._check_datazone()

    def _check_datazone(self) -> None:
        for key in ("datazone_auto_approval", "datazone_s3_fulfilment"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(key, f"must be true or false, got {getattr(self, key)!r}")
        if self.datazone_domain_id is not None:
            _check_pattern(
                "datazone_domain_id",
                self.datazone_domain_id,
                _DATAZONE_DOMAIN_ID,
                "a DataZone domain id (dzd_ or dzd- and 1-36 letters, digits, - or _)",
            )
        elif self.datazone_auto_approval or self.datazone_s3_fulfilment:
            raise ConfigError(
                "datazone_domain_id",
                "is required when datazone_auto_approval or datazone_s3_fulfilment is true",
            )
        for key in ("datazone_fulfilment_role_name", "datazone_s3_policy_role_name"):
            _check_pattern(key, getattr(self, key), _ROLE_NAME, "an IAM role name (1-64 chars)")
        if not isinstance(self.datazone_rules_file, str) or not self.datazone_rules_file:
            raise ConfigError("datazone_rules_file", f"must be a file path, got {self.datazone_rules_file!r}")
        if self.datazone_rules is not None and not isinstance(self.datazone_rules, Mapping):
            raise ConfigError("datazone_rules", f"must be a JSON object, got {self.datazone_rules!r}")
        _check_bucket_accounts(self.datazone_bucket_accounts, self.producer_account_ids)
        if self.datazone_auto_approval:
            self.datazone_rules_json()  # fails the synth on a bad rules document

    @property
    def log_retention(self) -> logs.RetentionDays:
        """How long every log group keeps its events (validated: one of ``LOG_RETENTION_DAYS``)."""
        return LOG_RETENTION[self.log_retention_days]

    @property
    def approval_timeout_seconds(self) -> int:
        """How long the workflow waits for the data owner's decision."""
        return self.approval_timeout_hours * 3600

    @property
    def approval_reminder_seconds(self) -> int:
        """How long before the approval deadline the owner is reminded (0: never)."""
        return self.approval_reminder_hours * 3600

    def datazone_rules_json(self) -> str:
        """The validated auto-approval rules as compact JSON, as the approval function's environment has them.

        Read from ``datazone_rules`` when given, else from ``datazone_rules_file``; a ConfigError on the key
        the document came from names what is wrong.
        """
        if self.datazone_rules is not None:
            key, source, document = "datazone_rules", "the inline rules", self.datazone_rules
        else:
            key = "datazone_rules_file"
            path = APP_DIR / self.datazone_rules_file
            source = str(path)
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except OSError as e:
                raise ConfigError(key, f"cannot read {path}: {e.strerror or e}") from e
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise ConfigError(key, f"{path} is not valid JSON: {e}") from e
        try:
            rules_json = compact_json(document)
        except RulesError as e:
            raise ConfigError(key, f"{source}: {e}") from e
        if len(rules_json) > MAX_RULES_JSON_LENGTH:
            raise ConfigError(
                key,
                f"{source}: the rules are {len(rules_json)} characters as compact JSON; at most "
                f"{MAX_RULES_JSON_LENGTH} fit in the function's environment (Lambda allows 4 KB for all "
                "its variables)",
            )
        return rules_json

    @classmethod
    def from_app(cls, scope: Construct) -> LakegateConfig:
        """Read every lakegate key from the CDK context of ``scope`` (usually the App)."""
        return cls.from_context({key: scope.node.try_get_context(key) for key in cls.context_keys()})

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> LakegateConfig:
        """Build from a mapping of context keys; missing or null keys take their default.

        Keys that are not lakegate's (CDK's own ``aws:`` and feature-flag keys) are ignored.
        """
        given = {key: context[key] for key in cls.context_keys() if context.get(key) is not None}
        parsed: dict[str, Any] = {}
        for key, value in given.items():
            parser = _PARSERS.get(key, _parse_str)
            parsed[key] = parser(key, value)
        for optional in ("central_account_id", "datazone_domain_id"):
            if parsed.get(optional) == "":
                del parsed[optional]
        return cls(**parsed)

    @classmethod
    def context_keys(cls) -> tuple[str, ...]:
        """The context keys lakegate reads, in the order ``cdk.json`` documents them."""
        return tuple(field.name for field in fields(cls))


def _parse_str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(
            key, f"must be a string, got {type(value).__name__} {value!r} (quote it in cdk.json)"
        )
    return value.strip()


def _parse_int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, f"must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ConfigError(key, f"must be a whole number, got {value!r}")


def _parse_number(key: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ConfigError(key, f"must be a number, got {value!r}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ConfigError(key, f"must be a number, got {value!r}")


def _parse_str_list(key: str, value: Any) -> tuple[str, ...]:
    items: Any = value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as e:
                raise ConfigError(key, f"is not a valid JSON list: {e.msg}") from e
        else:
            items = [part for part in (piece.strip() for piece in text.split(",")) if part]
    if not isinstance(items, list | tuple):
        raise ConfigError(key, f"must be a list of strings, got {type(value).__name__} {value!r}")
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(
                key, f"must be a list of strings; {item!r} is a {type(item).__name__} (quote it)"
            )
    return tuple(item.strip() for item in items)


def _parse_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(key, f"must be true or false, got {value!r}")


def _parse_object(key: str, value: Any) -> dict[str, Any]:
    """A JSON object: as written in cdk.json, or as JSON text from the command line."""
    document: Any = value
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except json.JSONDecodeError as e:
            raise ConfigError(key, f"is not a valid JSON object: {e.msg}") from e
    if not isinstance(document, Mapping):
        raise ConfigError(key, f"must be a JSON object, got {type(document).__name__} {document!r}")
    return dict(document)


_PARSERS = {
    "approval_timeout_hours": _parse_int,
    "approval_reminder_hours": _parse_int,
    "producer_account_ids": _parse_str_list,
    "consumer_account_ids": _parse_str_list,
    "approver_emails": _parse_str_list,
    "decision_api_rate_limit": _parse_number,
    "decision_api_burst_limit": _parse_int,
    "portal_rate_limit": _parse_number,
    "portal_burst_limit": _parse_int,
    "log_retention_days": _parse_int,
    "invitation_check_minutes": _parse_int,
    "stale_invitation_hours": _parse_int,
    "datazone_auto_approval": _parse_bool,
    "datazone_rules": _parse_object,
    "datazone_s3_fulfilment": _parse_bool,
    "datazone_bucket_accounts": _parse_object,
    "portal": _parse_bool,
}


def _check_account_id(key: str, value: object) -> None:
    if not is_account_id(value):
        raise ConfigError(key, f"must be a 12-digit AWS account id, got {value!r}")


def _check_mesh_members(producers: tuple[str, ...], consumers: tuple[str, ...]) -> None:
    if not producers:
        raise ConfigError(
            "producer_account_ids",
            "is required: list the producer accounts of the mesh (for example "
            "-c producer_account_ids=222222222222,333333333333); the workflow asks owners and assumes the "
            "producer role in these accounts only",
        )
    for key, accounts in (("producer_account_ids", producers), ("consumer_account_ids", consumers)):
        for account_id in accounts:
            _check_account_id(key, account_id)
        repeated = sorted({account_id for account_id in accounts if accounts.count(account_id) > 1})
        if repeated:
            raise ConfigError(key, f"lists {', '.join(repeated)} more than once")
    # The lists travel in the functions' environment, which Lambda limits to 4 KB in all.
    length = sum(len(account_id) + 1 for account_id in (*producers, *consumers))
    if length > MAX_MESH_MEMBERS_LENGTH:
        raise ConfigError(
            "consumer_account_ids",
            f"with producer_account_ids, {len(producers) + len(consumers)} accounts are more than fit in a "
            f"function's environment (at most {MAX_MESH_MEMBERS_LENGTH // 13} in all)",
        )


def _check_rate(key: str, rate: object) -> None:
    """A throttling rate: a finite number of requests per second above 0."""
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not (math.isfinite(rate) and rate > 0):
        raise ConfigError(key, f"must be a number above 0, got {rate!r}")


def _check_bucket_accounts(buckets: object, producer_account_ids: tuple[str, ...]) -> None:
    key = "datazone_bucket_accounts"
    if not isinstance(buckets, Mapping):
        raise ConfigError(key, f"must be an object of bucket name to account id, got {buckets!r}")
    for bucket, account_id in buckets.items():
        if not isinstance(bucket, str) or not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
            raise ConfigError(
                key,
                f"{bucket!r} is not an S3 bucket name (3-63 lower-case letters, digits, '.' or '-', starting "
                "and ending with a letter or digit)",
            )
        if not is_account_id(account_id):
            raise ConfigError(
                key, f"bucket {bucket!r} must map to a 12-digit AWS account id, got {account_id!r}"
            )
        if account_id not in producer_account_ids:
            raise ConfigError(
                key,
                f"bucket {bucket!r} is in account {account_id}, which is not one of producer_account_ids "
                f"({', '.join(producer_account_ids)})",
            )


def _check_event_bus_name(value: object) -> None:
    _check_pattern("event_bus_name", value, _EVENT_BUS_NAME, "1-256 letters, digits, '.', '-' or '_'")
    name = str(value)
    if name == "default" or name.startswith("aws."):
        raise ConfigError(
            "event_bus_name",
            f"must name a custom bus: not 'default' and not starting with 'aws.'; got {name!r}",
        )


def _check_int_range(key: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(key, f"must be a whole number from {low} to {high}, got {value!r}")


def _check_pattern(key: str, value: object, pattern: re.Pattern[str], what: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigError(key, f"must be {what}, got {value!r}")
