"""The producer stack: the approval topic data owners subscribe to, and the role the central workflow uses."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.config import LakegateConfig
from stacks.nag import acknowledge


class ProducerStack(Stack):
    """Deployed to every producer account; deploy the central stack first.

    The producer role trusts exactly the central account's approval publisher role, and IAM checks
    that a trusted role exists when the trust policy is written. With ``datazone_s3_fulfilment`` on, an
    S3 policy-editor role trusts exactly the central S3 fulfilment role in the same way.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: LakegateConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="lakegate producer: the approval topic and the role the central workflow uses",
            **kwargs,
        )
        if config.central_account_id is None:
            raise ValueError("the producer stack needs the CDK context key 'central_account_id'")
        self.publisher_role_arn = (
            f"arn:{Aws.PARTITION}:iam::{config.central_account_id}:role/{config.approval_publisher_role_name}"
        )

        self.key = kms.Key(
            self,
            "Key",
            description="lakegate: encrypts the approval topic",
            enable_key_rotation=True,
        )
        self.topic = sns.Topic(
            self,
            "ApprovalTopic",
            topic_name=config.producer_topic_name,
            display_name="lakegate approvals",
            master_key=self.key,
            enforce_ssl=True,
        )
        for email in config.approver_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.role = iam.Role(
            self,
            "ProducerRole",
            role_name=config.producer_role_name,
            assumed_by=iam.ArnPrincipal(self.publisher_role_arn),
            description="Assumed by lakegate's central approval publisher to email this account's owners",
        )
        self.topic.grant_publish(self.role)
        # The key policy names the role too, so publishing does not depend on the account delegating
        # key access to IAM policies.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowProducerRoleToPublishEncrypted",
                principals=[iam.ArnPrincipal(self.role.role_arn)],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"kms:ViaService": f"sns.{Aws.REGION}.amazonaws.com"}},
            )
        )
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            "Added by CDK's grant_publish on the approval topic's key (the only resource of the statement): "
            "SNS needs the kms:GenerateDataKey variants to encrypt published messages.",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        )

        CfnOutput(self, "ApprovalTopicArn", value=self.topic.topic_arn)
        CfnOutput(self, "ProducerRoleArn", value=self.role.role_arn)

        self.s3_policy_editor = self._s3_policy_editor(config) if config.datazone_s3_fulfilment else None

    def _s3_policy_editor(self, config: LakegateConfig) -> iam.Role:
        """The role the central S3 fulfilment function assumes to edit this account's bucket policies."""
        central, role_name = config.central_account_id, config.datazone_fulfilment_role_name
        fulfilment_role_arn = f"arn:{Aws.PARTITION}:iam::{central}:role/{role_name}"
        any_bucket = f"arn:{Aws.PARTITION}:s3:::*"
        role = iam.Role(
            self,
            "S3PolicyEditorRole",
            role_name=config.datazone_s3_policy_role_name,
            assumed_by=iam.ArnPrincipal(fulfilment_role_arn),
            description="Assumed by lakegate's central S3 fulfilment function to edit this account's bucket "
            "policies for SageMaker Catalog subscriptions",
            inline_policies={
                "EditBucketPolicies": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            sid="EditPoliciesOfThisAccountsBuckets",
                            actions=["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
                            resources=[any_bucket],
                            # Bucket ARNs carry no account id: the condition keeps this to our buckets.
                            conditions={"StringEquals": {"s3:ResourceAccount": Aws.ACCOUNT_ID}},
                        )
                    ]
                )
            },
        )
        acknowledge(
            role,
            "Bucket ARNs carry no account id, and the buckets SageMaker Catalog subscribers ask for are "
            "only known at run time. The statement allows only reading, writing and deleting bucket "
            "policies (no object or other bucket access), its s3:ResourceAccount condition limits it to "
            "buckets this account owns, and only the central S3 fulfilment role may assume the role.",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*]",
        )
        CfnOutput(
            self,
            "S3PolicyEditorRoleArn",
            value=role.role_arn,
            description="Assumed by the central S3 fulfilment role to edit this account's bucket policies",
        )
        return role
