"""The central stack: the approval workflow, its functions, the decision API, the request portal, the ledger,
notifications, the status-event bus and the read-only audit role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import ArnFormat, Aws, CfnElement, CfnOutput, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from lakegate.core import manifest
from stacks import permissions
from stacks.audit_role import AuditRole
from stacks.central_settings import CentralSettings
from stacks.config import LakegateConfig
from stacks.datazone_bridge import S3SubscriptionFulfilment, SubscriptionAutoApproval
from stacks.event_bus import StatusEventBus
from stacks.functions import WorkflowFunctions
from stacks.invitation_report import StaleInvitationReport
from stacks.ledger_table import LedgerTable
from stacks.nag import acknowledge, resource_finding
from stacks.notifications import ConsumerNotifications
from stacks.owner_decisions import OwnerDecisionUrl
from stacks.portal import PortalUserPool
from stacks.web_api import WebApi
from stacks.workflow import AccessRequestWorkflow

# What the function code does to the ledger (lakegate/ledger/store.py): single-item reads (also after a
# conditional write that did not apply) and conditional updates; only evaluate_request creates requests.
LEDGER_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem")
# The portal never creates a request (evaluate_request does, in the workflow it starts): it lists requests
# (a scan: the ledger has no index), reads one, and records owners' decisions.
PORTAL_LEDGER_ACTIONS = ("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem")
# Granting and revoking also read which other granted requests hold the same permissions (a scan, as
# the ledger has no index: lakegate/workflow/holdings.py).
HOLDINGS_LEDGER_ACTIONS = ("dynamodb:Scan", *LEDGER_ACTIONS)
_LEDGER_ACTIONS_BY_FUNCTION = {
    "evaluate_request": ("dynamodb:PutItem", *LEDGER_ACTIONS),
    "grant_access": HOLDINGS_LEDGER_ACTIONS,
    "revoke_access": HOLDINGS_LEDGER_ACTIONS,
    "portal": PORTAL_LEDGER_ACTIONS,
}
# What DynamoDB and SNS do with lakegate's key for the functions: decrypt the ledger's table key for every
# item operation and generate data keys for writes, and both for every message published to the topic.
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")
# The portal lists the databases anyone may discover, their tables and a table's columns.
PORTAL_CATALOG_ACTIONS = ("glue:GetDatabases", "glue:GetDatabase", "glue:GetTables", "glue:GetTable")

_XRAY_REASON = (
    "Added by CDK for active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no "
    "resource-level permissions."
)
_KMS_GRANT_REASON = (
    "The grant on lakegate's customer-managed key (the only resource of the statement): the wildcard stands "
    "for the kms:GenerateDataKey variants DynamoDB and SNS use with that key."
)


class CentralStack(Stack):
    """Everything that runs in the central catalog account."""

    def __init__(self, scope: Construct, construct_id: str, *, config: LakegateConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="lakegate central: governed Lake Formation data sharing with owner approval",
            **kwargs,
        )
        retention = config.log_retention

        self.key = kms.Key(
            self,
            "Key",
            description="lakegate: encrypts the request ledger and the consumer-notification topic",
            enable_key_rotation=True,
        )
        # Proves who submitted a request: the portal makes a MAC of the signed-in user, the evaluation
        # checks it (lakegate/requests/requester.py). HMAC keys have no automatic rotation in KMS.
        self.requester_key = kms.Key(
            self,
            "RequesterKey",
            description="lakegate: proves which portal user submitted an access request (HMAC)",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
        )
        self.table: dynamodb.Table = LedgerTable(self, "Ledger", key=self.key).table
        self.topic: sns.Topic = ConsumerNotifications(self, "Notifications", key=self.key).topic
        self.invitation_report = StaleInvitationReport(
            self,
            "StaleInvitationReport",
            topic=self.topic,
            stale_after_hours=config.stale_invitation_hours,
            log_retention=retention,
        )
        self.status_events = StatusEventBus(self, "StatusEvents", bus_name=config.event_bus_name)
        self.event_bus: events.EventBus = self.status_events.bus
        # "DecisionApi" is the id the first deployments used: another would replace the API and its URL.
        decision_api = WebApi(
            self,
            "DecisionApi",
            rate_limit=config.decision_api_rate_limit,
            burst_limit=config.decision_api_burst_limit,
            log_retention=retention,
        )
        self.http_api: apigwv2.HttpApi = decision_api.http_api
        # The request portal's users; its function is served on the same API (route_portal below).
        self.portal = (
            PortalUserPool(self, "Portal", portal_url=decision_api.portal_url) if config.portal else None
        )
        portal_environment = (
            {manifest.USER_POOL_CLIENT_ID: self.portal.client.user_pool_client_id} if self.portal else {}
        )

        # The approval-reminder state machine invokes request_approval, and request_approval starts it:
        # its ARN comes from a fixed name, not from the resource, so there is no dependency cycle.
        reminder_name = f"{self.stack_name}-ApprovalReminder"
        if len(reminder_name) > 80:
            raise ValueError(f"stack name {self.stack_name!r} is too long to name the reminder state machine")
        reminder_arn = self.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=reminder_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        functions = WorkflowFunctions(
            self,
            "Functions",
            environment={
                manifest.LEDGER_TABLE_NAME: self.table.table_name,
                manifest.NOTIFICATION_TOPIC_ARN: self.topic.topic_arn,
                manifest.APPROVAL_TIMEOUT_SECONDS: str(config.approval_timeout_seconds),
                manifest.DECISION_BASE_URL: decision_api.base_url,
                manifest.PRODUCER_ROLE_NAME: config.producer_role_name,
                manifest.PRODUCER_TOPIC_NAME: config.producer_topic_name,
                manifest.EVENT_BUS_NAME: self.event_bus.event_bus_name,
                manifest.ACCESS_DAY_SECONDS: str(manifest.DAY_SECONDS),
                manifest.APPROVAL_REMINDER_SECONDS: str(config.approval_reminder_seconds),
                manifest.REMINDER_STATE_MACHINE_ARN: reminder_arn,
                manifest.USER_ROLE_PREFIX: config.user_role_prefix,
                manifest.CENTRAL_ACCOUNT_ID: self.account,
                manifest.CONSUMER_ACCOUNT_IDS: ",".join(config.consumer_account_ids),
                manifest.PRODUCER_ACCOUNT_IDS: ",".join(config.producer_account_ids),
                manifest.REQUESTER_KEY_ID: self.requester_key.key_arn,
                **portal_environment,
            },
            keys=[spec.key for spec in manifest.FUNCTIONS if config.portal or spec.key != "portal"],
            role_names={"request_approval": config.approval_publisher_role_name},
            # The state machines invoke the functions, so they exist only after them: the expiry state
            # machine invokes the revoke function; the access-request one (which the portal starts) the
            # workflow functions.
            deferred_environment=(
                manifest.EXPIRY_STATE_MACHINE_ARN,
                manifest.REVOKE_FUNCTION_NAME,
                manifest.STATE_MACHINE_ARN,
            ),
            log_retention=retention,
        )
        self.functions: Mapping[str, lambda_.Function] = functions.functions
        self.roles: Mapping[str, iam.Role] = functions.roles
        decision_api.route_to(functions["decision_api"])
        owner_decisions = OwnerDecisionUrl(
            self,
            "OwnerDecisions",
            function=functions["decision_api"],
            producer_account_ids=config.producer_account_ids,
        )

        workflow = AccessRequestWorkflow(self, "Workflow", functions=self.functions, log_retention=retention)
        self.state_machine: sfn.StateMachine = workflow.state_machine
        # Time-bound access: grant_access starts one execution per time-bound grant; it waits until the
        # grant's expiry and has the revoke function revoke it.
        expiry = AccessRequestWorkflow(
            self,
            "ExpiryWorkflow",
            functions=self.functions,
            log_retention=retention,
            definition=manifest.ACCESS_EXPIRY,
            log_name="AccessExpiry",
        )
        self.expiry_state_machine: sfn.StateMachine = expiry.state_machine
        functions.set_deferred(manifest.EXPIRY_STATE_MACHINE_ARN, self.expiry_state_machine.state_machine_arn)
        functions.set_deferred(manifest.REVOKE_FUNCTION_NAME, self.functions["revoke_access"].function_name)
        if config.portal:
            functions.set_deferred(manifest.STATE_MACHINE_ARN, self.state_machine.state_machine_arn)
        functions.check_deferred()
        if self.portal is not None:
            self.portal_routes, self.portal_app_routes = decision_api.route_portal(
                functions["portal"],
                user_pool=self.portal.user_pool,
                client=self.portal.client,
                rate_limit=config.portal_rate_limit,
                burst_limit=config.portal_burst_limit,
            )
        # Approver reminder: request_approval starts one execution per request it emails (when the
        # reminder time is ahead); it waits until then and invokes request_approval's reminder mode.
        reminder = AccessRequestWorkflow(
            self,
            "ReminderWorkflow",
            functions=self.functions,
            log_retention=retention,
            definition=manifest.ACCESS_REMINDER,
            log_name="ApprovalReminder",
            state_machine_name=reminder_name,
        )
        self.reminder_state_machine: sfn.StateMachine = reminder.state_machine
        self.reminder_state_machine_arn = reminder_arn

        self._grant(config)
        self._acknowledge_generated_statements()
        self.datazone_approval, self.s3_fulfilment = self._datazone_bridge(config, retention)

        self.settings = CentralSettings(
            self,
            "Settings",
            settings={
                "state_machine_arn": self.state_machine.state_machine_arn,
                "ledger_table": self.table.table_name,
                "decision_api_url": decision_api.base_url,
                "owner_decision_url": owner_decisions.url,
                "notification_topic_arn": self.topic.topic_arn,
                "user_role_prefix": config.user_role_prefix,
            },
        ).parameter
        self.audit_role: iam.Role = AuditRole(
            self,
            "Audit",
            role_name=config.audit_role_name,
            table=self.table,
            key=self.key,
            settings=self.settings,
        ).role

        CfnOutput(self, "StateMachineArn", value=self.state_machine.state_machine_arn)
        CfnOutput(
            self,
            "ExpiryStateMachineArn",
            value=self.expiry_state_machine.state_machine_arn,
            description="Ends time-bound access: one execution per grant with duration_days",
        )
        CfnOutput(
            self,
            "ReminderStateMachineArn",
            value=self.reminder_state_machine.state_machine_arn,
            description="Reminds data owners of undecided requests: one execution per request emailed",
        )
        CfnOutput(self, "LedgerTableName", value=self.table.table_name)
        CfnOutput(self, "NotificationTopicArn", value=self.topic.topic_arn)
        CfnOutput(
            self,
            "EventBusName",
            value=self.event_bus.event_bus_name,
            description="Every request status change is put here with source lakegate",
        )
        CfnOutput(self, "EventBusArn", value=self.event_bus.event_bus_arn)
        CfnOutput(self, "DecisionApiUrl", value=decision_api.base_url)
        if self.portal is not None:
            CfnOutput(
                self,
                "PortalUrl",
                value=decision_api.portal_url,
                description="The request portal: consumers request access, owners decide",
            )
            CfnOutput(
                self,
                "UserPoolId",
                value=self.portal.user_pool.user_pool_id,
                description="The portal's users: create them here and add them to consumers, owners or "
                "admins",
            )
            CfnOutput(self, "UserPoolClientId", value=self.portal.client.user_pool_client_id)
        CfnOutput(
            self,
            "OwnerDecisionUrl",
            value=owner_decisions.url,
            description="Where data owners decide with their AWS identity (lakegate approve)",
        )
        CfnOutput(
            self,
            "SettingsParameterName",
            value=self.settings.parameter_name,
            description="SSM parameter the lakegate CLI reads to find the resources above",
        )
        CfnOutput(
            self,
            "ApprovalPublisherRoleArn",
            value=self.roles["request_approval"].role_arn,
            description="Trusted by the producer role in every producer account",
        )
        CfnOutput(
            self,
            "AuditRoleArn",
            value=self.audit_role.role_arn,
            description="Read-only role for lakegate audit (ledger, settings, CloudTrail, Lake Formation "
            "permissions); central-account principals allowed sts:AssumeRole on it may use it",
        )
        CfnOutput(
            self,
            "GrantRoleArn",
            value=self.roles["grant_access"].role_arn,
            description="Make this role a Lake Formation data lake administrator so it can grant",
        )
        CfnOutput(
            self,
            "RevokeRoleArn",
            value=self.roles["revoke_access"].role_arn,
            description="Make this role a Lake Formation data lake administrator too, so it can revoke",
        )

    def _datazone_bridge(
        self, config: LakegateConfig, retention: logs.RetentionDays
    ) -> tuple[SubscriptionAutoApproval | None, S3SubscriptionFulfilment | None]:
        """The SageMaker Catalog (DataZone) bridge's parts that are enabled, with their outputs."""
        approval = fulfilment = None
        if config.datazone_auto_approval:
            assert config.datazone_domain_id is not None  # LakegateConfig requires it
            approval = SubscriptionAutoApproval(
                self,
                "DataZoneAutoApproval",
                domain_id=config.datazone_domain_id,
                rules_json=config.datazone_rules_json(),
                key=self.key,
                producer_account_ids=config.producer_account_ids,
                log_retention=retention,
            )
            CfnOutput(
                self,
                "SubscriptionDecisionTopicArn",
                value=approval.topic.topic_arn,
                description="Subscribe here to hear how SageMaker Catalog subscription requests were decided",
            )
            CfnOutput(
                self,
                "AutoApprovalRoleArn",
                value=approval.role.role_arn,
                description="Make this role a member of each producing DataZone project the rules decide for",
            )
        if config.datazone_s3_fulfilment:
            assert config.datazone_domain_id is not None  # LakegateConfig requires it
            fulfilment = S3SubscriptionFulfilment(
                self,
                "DataZoneS3Fulfilment",
                domain_id=config.datazone_domain_id,
                key=self.key,
                role_name=config.datazone_fulfilment_role_name,
                policy_role_name=config.datazone_s3_policy_role_name,
                bucket_accounts=config.datazone_bucket_accounts,
                producer_account_ids=config.producer_account_ids,
                log_retention=retention,
            )
            CfnOutput(
                self,
                "S3FulfilmentRoleArn",
                value=fulfilment.role.role_arn,
                description="Trusted by the S3 policy-editor role in every producer account",
            )
        return approval, fulfilment

    def _grant(self, config: LakegateConfig) -> None:
        """Who may do what, beyond writing their own logs."""
        for key, function in self.functions.items():
            self.table.grant(function, *_LEDGER_ACTIONS_BY_FUNCTION.get(key, LEDGER_ACTIONS))
            self.key.grant(function, *KEY_ACTIONS)
            if manifest.EVENT_BUS_NAME in manifest.FUNCTIONS_BY_KEY[key].environment:
                self.status_events.grant_put(function)

        permissions.allow_catalog_read(self.roles["evaluate_request"], permissions.CATALOG_READ_ACTIONS)
        self.requester_key.grant(self.functions["evaluate_request"], "kms:VerifyMac")
        if "portal" in self.functions:
            self.requester_key.grant(self.functions["portal"], "kms:GenerateMac")

        permissions.allow_assume_producer_roles(
            self.roles["request_approval"],
            role_name=config.producer_role_name,
            account_ids=config.producer_account_ids,
        )

        # Lake Formation requires a grantor to hold glue:GetDatabase / glue:GetTable on what it grants.
        permissions.allow_catalog_read(self.roles["grant_access"], ("glue:GetDatabase", "glue:GetTable"))
        permissions.allow_lake_formation_sharing(self, "LakeFormationSharing", self.roles["grant_access"])

        # Revocation: only the revoke function revokes; the decision function may ask it to. It also grants:
        # when a request sharing a permission was granted while this one was being revoked, it grants that
        # request's part again (lakegate/workflow/holdings.py), so it needs what granting needs.
        permissions.allow_catalog_read(self.roles["revoke_access"], ("glue:GetDatabase", "glue:GetTable"))
        permissions.allow_lake_formation_sharing(self, "LakeFormationRevocation", self.roles["revoke_access"])
        self.functions["revoke_access"].grant_invoke(self.functions["decision_api"])

        for notifying in ("conclude_request", "record_failure", "revoke_access"):
            self.topic.grant_publish(self.functions[notifying])

        # A decision, approve or deny, is the output of the waiting task: lakegate never fails it or beats.
        self.state_machine.grant(self.functions["decision_api"], "states:SendTaskSuccess")

        if "portal" in self.functions:
            # The portal: reads the catalog, starts requests (and looks at their executions, as `lakegate
            # request` does), and decides them through the same task tokens as the email links.
            permissions.allow_catalog_read(self.roles["portal"], PORTAL_CATALOG_ACTIONS)
            self.state_machine.grant_start_execution(self.functions["portal"])
            self.roles["portal"].add_to_principal_policy(
                iam.PolicyStatement(
                    sid="DescribeRequestExecutions",
                    actions=["states:DescribeExecution"],
                    resources=[self._execution_arns()],
                )
            )
            self.state_machine.grant(self.functions["portal"], "states:SendTaskSuccess")
        self.expiry_state_machine.grant_start_execution(self.functions["grant_access"])
        # By the reminder state machine's ARN from its fixed name (granting on the resource would make a
        # cycle: it invokes request_approval).
        self.roles["request_approval"].add_to_principal_policy(
            iam.PolicyStatement(
                sid="StartApprovalReminder",
                actions=["states:StartExecution"],
                resources=[self.reminder_state_machine_arn],
            )
        )

    def _execution_arns(self, state_machine_name: str | None = None) -> str:
        """Every execution of the access-request state machine, from pseudo parameters (one form everywhere).

        CDK's ``grant_execution`` would write the stack's region and account when its env is set and tokens
        when not, so the cdk-nag finding, and its acknowledgement, would differ between the two.
        """
        name = state_machine_name or self.state_machine.state_machine_name
        return f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:{name}:*"

    def _acknowledge_generated_statements(self) -> None:
        """Acknowledge, on each default policy, the wildcards CDK's own grants produce."""
        for key, role in self.roles.items():
            policy = role.node.find_child("DefaultPolicy")
            acknowledge(policy, _XRAY_REASON, "AwsSolutions-IAM5[Resource::*]")
            acknowledge(
                policy,
                _KMS_GRANT_REASON,
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            )
            if key in ("evaluate_request", "grant_access", "revoke_access"):
                permissions.acknowledge_catalog_read(role)
        if "portal" in self.roles:
            permissions.acknowledge_catalog_read(
                self.roles["portal"],
                "The portal lists every database of the catalog a consumer may discover (those with a "
                "data_owner parameter), their tables and columns, reading pii_flag to mark sensitive items. "
                "Only Get actions on this account's catalog.",
            )
            state_machine = self.state_machine.node.default_child
            assert isinstance(state_machine, CfnElement)
            acknowledge(
                self.roles["portal"].node.find_child("DefaultPolicy"),
                "states:DescribeExecution only: the wildcard stands for the executions of the access-request "
                "state machine, named per request; the portal looks at the execution of a request it is "
                "about to start, as `lakegate request` does.",
                resource_finding(self._execution_arns(f"<{self.get_logical_id(state_machine)}.Name>")),
            )
        revoke = self.functions["revoke_access"].node.default_child
        assert isinstance(revoke, CfnElement)
        acknowledge(
            self.roles["decision_api"].node.find_child("DefaultPolicy"),
            "Added by CDK's grant_invoke: the wildcard covers only versions and aliases of the revoke "
            "function.",
            f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(revoke)}.Arn>:*]",
        )
