"""Central side of the optional SageMaker Catalog (DataZone) bridge: auto-approval and S3 fulfilment.

Both parts react to the domain's events on this account's default EventBridge bus, where DataZone puts
them, and each is enabled on its own (``datazone_auto_approval``, ``datazone_s3_fulfilment``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from lakegate.datazone.rules import parse_rules_json
from stacks import permissions
from stacks.nag import acknowledge
from stacks.rule_function import RuleFunction

APPROVAL_HANDLER = "lakegate.handlers.approve_subscription_requests.handler"
FULFILMENT_HANDLER = "lakegate.handlers.fulfil_s3_subscriptions.handler"
REQUEST_EVENTS = ("Subscription Request Created",)
SUBSCRIPTION_EVENTS = ("Subscription Created", "Subscription Cancelled", "Subscription Revoked")
# The Service Authorization Reference lists no resource type for any of these actions (its only DataZone
# resource type, the domain, serves domain administration), so IAM allows them only on "*"; nor does it
# list a condition key for them: datazone:domainId exists for the service but no action supports it, and a
# condition on a key absent from the request never matches. The domain is pinned by the function's
# environment and its event rule instead. (stacks/service_authorization.json keeps these facts.)
APPROVAL_ACTIONS = (
    "datazone:GetSubscriptionRequestDetails",
    "datazone:AcceptSubscriptionRequest",
    "datazone:RejectSubscriptionRequest",
)
FULFILMENT_ACTIONS = (
    "datazone:GetSubscription",
    "datazone:ListSubscriptionGrants",
    "datazone:GetSubscriptionGrant",
    "datazone:GetSubscriptionTarget",
    "datazone:ListEnvironments",
    "datazone:UpdateSubscriptionGrantStatus",
)
# What the function does to the lock table: take a bucket's lease (a conditional put) and release it.
LOCK_ACTIONS = ("dynamodb:PutItem", "dynamodb:DeleteItem")
LOCK_PARTITION_KEY = "bucket"
LOCK_TTL_ATTRIBUTE = "expires_at"

_DATAZONE_REASON = (
    "The Service Authorization Reference lists no resource type and no condition key for the DataZone "
    'subscription actions of this statement, so IAM can allow them only on "*". The function acts on one '
    "domain only: its id comes from the function's environment, and its event rule matches that domain's "
    "events only."
)
_KMS_GRANT_REASON = (
    "The grant on lakegate's customer-managed key (the only resource of the statement): the wildcard stands "
    "for the kms:GenerateDataKey variants DynamoDB uses with that key."
)


def domain_events(domain_id: str, detail_types: Sequence[str]) -> events.EventPattern:
    """DataZone's events of ``detail_types`` about the domain ``domain_id``."""
    return events.EventPattern(
        source=["aws.datazone"],
        detail_type=list(detail_types),
        detail={"metadata": {"domain": [domain_id]}},
    )


def allow_datazone_actions(
    scope: Construct, construct_id: str, role: iam.Role, *, sid: str, actions: Sequence[str]
) -> iam.Policy:
    """Let ``role`` call the DataZone subscription ``actions``, which IAM allows only on ``*``.

    Kept in a policy of its own, so its acknowledgement cannot hide any other wildcard of the role.
    """
    policy = iam.Policy(
        scope,
        construct_id,
        roles=[role],
        statements=[iam.PolicyStatement(sid=sid, actions=list(actions), resources=["*"])],
    )
    acknowledge(policy, _DATAZONE_REASON, "AwsSolutions-IAM5[Resource::*]")
    return policy


class SubscriptionAutoApproval(Construct):
    """Decides each new subscription request of the domain by the rules, and tells requesters on ``topic``.

    ``function``, ``role``, ``rule``, ``topic`` and ``datazone_policy`` are exposed.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        rules_json: str,
        key: kms.IKey,
        producer_account_ids: Sequence[str],
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "SubscriptionDecisions",
            display_name="lakegate subscription decisions",
            master_key=key,
            enforce_ssl=True,
        )
        rule_function = RuleFunction(
            self,
            "ApproveSubscriptionRequests",
            handler=APPROVAL_HANDLER,
            description="Approves or rejects SageMaker Catalog subscription requests by lakegate's rules",
            environment={
                "DATAZONE_DOMAIN_ID": domain_id,
                "AUTO_APPROVAL_RULES": rules_json,
                "DECISION_TOPIC_ARN": self.topic.topic_arn,
            },
            event_pattern=domain_events(domain_id, REQUEST_EVENTS),
            log_retention=log_retention,
            timeout=Duration.seconds(60),
        )
        self.function: lambda_.Function = rule_function.function
        self.role: iam.Role = rule_function.role
        self.rule = rule_function.rule

        self.topic.grant_publish(self.role)
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            "Added by CDK's grant_publish on the decision topic's customer-managed key (the only resource "
            "of the statement): SNS needs the kms:GenerateDataKey variants to encrypt published messages.",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        )
        # The rules name a topic per subscribing project; the function publishes there instead.
        project_topics = sorted(set(parse_rules_json(rules_json).notification_topics.values()))
        if project_topics:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="PublishToProjectTopics", actions=["sns:Publish"], resources=project_topics
                )
            )
        self.datazone_policy = allow_datazone_actions(
            self, "DataZonePermissions", self.role, sid="DecideSubscriptionRequests", actions=APPROVAL_ACTIONS
        )
        # The sensitivity check reads the Glue table behind each listing, by its CatalogId: the table
        # may be in a producer account.
        permissions.allow_catalog_read(
            self.role, ("glue:GetDatabase", "glue:GetTable"), account_ids=producer_account_ids
        )
        permissions.acknowledge_catalog_read(
            self.role,
            "A subscription request may name any Glue table published to the domain, by this account or a "
            "producer account; the not_sensitive rules must read the database's, the table's and the "
            "columns' parameters (pii_flag) before deciding. Only glue:GetDatabase and glue:GetTable, on "
            "the catalogs of this account and the configured producer accounts.",
            account_ids=producer_account_ids,
        )


class S3SubscriptionFulfilment(Construct):
    """Grants and revokes the domain's S3 subscriptions by editing bucket policies in the bucket's account.

    The function assumes ``policy_role_name`` (created by the producer stack) in the account owning the
    bucket and serializes edits of one bucket's policy through ``lock_table``. ``function``, ``role``,
    ``rule``, ``lock_table`` and ``datazone_policy`` are exposed.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        key: kms.IKey,
        role_name: str,
        policy_role_name: str,
        bucket_accounts: Mapping[str, str],
        producer_account_ids: Sequence[str],
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.lock_table = dynamodb.Table(
            self,
            "PolicyLocks",
            partition_key=dynamodb.Attribute(name=LOCK_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            time_to_live_attribute=LOCK_TTL_ATTRIBUTE,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # Only short-lived locks live here (each expires by TTL): nothing is lost with the stack.
            removal_policy=RemovalPolicy.DESTROY,
        )
        rule_function = RuleFunction(
            self,
            "FulfilS3Subscriptions",
            handler=FULFILMENT_HANDLER,
            description="Grants and revokes SageMaker Catalog subscriptions to S3 assets in bucket policies",
            environment={
                "DATAZONE_DOMAIN_ID": domain_id,
                "S3_POLICY_ROLE_NAME": policy_role_name,
                "BUCKET_ACCOUNTS": json.dumps(dict(bucket_accounts), separators=(",", ":"), sort_keys=True),
                "POLICY_LOCK_TABLE": self.lock_table.table_name,
            },
            event_pattern=domain_events(domain_id, SUBSCRIPTION_EVENTS),
            log_retention=log_retention,
            timeout=Duration.seconds(120),
            role_name=role_name,
        )
        self.function: lambda_.Function = rule_function.function
        self.role: iam.Role = rule_function.role
        self.rule = rule_function.rule

        self.lock_table.grant(self.role, *LOCK_ACTIONS)
        # DynamoDB decrypts the lock table's key for every item operation and generates data keys for writes.
        key.grant(self.role, "kms:Decrypt", "kms:GenerateDataKey*")
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            _KMS_GRANT_REASON,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        )
        self.datazone_policy = allow_datazone_actions(
            self, "DataZonePermissions", self.role, sid="FulfilSubscriptions", actions=FULFILMENT_ACTIONS
        )
        permissions.allow_assume_producer_roles(
            self.role,
            role_name=policy_role_name,
            account_ids=producer_account_ids,
            sid="AssumeS3PolicyEditorRole",
        )
