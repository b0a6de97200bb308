"""The deployment shapes infrastructure tests synthesize through the CDK CLI, and their contexts.

``FULL`` turns every optional part on (the portal, both SageMaker Catalog bridge parts, per-user roles,
named producers) in us-east-1 with the offline mesh's accounts, so the IAM coverage check can compare the
calls recorded there with these roles; ``MINIMAL`` turns them off in another region with the defaults.
"""

from __future__ import annotations

from tests.infra.readme_commands import readme_variants
from tests.infra.synth import Variant

# The offline mesh's accounts (lakegate_offline/mesh.py): the central account is moto's default one.
CENTRAL_ACCOUNT = "123456789012"
PRODUCER_ACCOUNT = "222222222222"
CONSUMER_ACCOUNT = "444455556666"
MINIMAL_ACCOUNT = "210987654321"
MINIMAL_PRODUCER_ACCOUNT = "210987654322"
DATAZONE_DOMAIN = "dzd_test1234"
PROJECT_TOPIC_ARN = f"arn:aws:sns:eu-west-1:{PRODUCER_ACCOUNT}:analytics-subscriptions"
DATAZONE_RULES = {
    "rules": [
        {"name": "analytics", "decision": "approve", "subscriber_projects": ["prj_analytics"]},
        {"name": "no-pii-outside", "decision": "reject", "subscriber_projects": ["prj_external"]},
    ],
    "notification_topics": {"prj_analytics": PROJECT_TOPIC_ARN},
}
BUCKET_ACCOUNTS = {"sales-data": PRODUCER_ACCOUNT}
TEST_CONTEXT = {
    "central_account_id": CENTRAL_ACCOUNT,
    "producer_account_ids": [PRODUCER_ACCOUNT],
    "consumer_account_ids": [CONSUMER_ACCOUNT],
    "approver_emails": ["owner@example.com"],
    "user_role_prefix": "lakegate-user-",
    # Both parts of the SageMaker Catalog (DataZone) bridge, so every shared test covers them.
    "datazone_domain_id": DATAZONE_DOMAIN,
    "datazone_auto_approval": True,
    "datazone_rules": DATAZONE_RULES,
    "datazone_s3_fulfilment": True,
    "datazone_bucket_accounts": BUCKET_ACCOUNTS,
}
FULL = Variant(name="full", account=CENTRAL_ACCOUNT, region="us-east-1", context=TEST_CONTEXT)
# Every optional part off, everything else at its cdk.json default but the required producer list (the
# producer stack without its S3 policy editor), in a region other than us-east-1.
MINIMAL = Variant(
    name="minimal",
    account=MINIMAL_ACCOUNT,
    region="eu-west-1",
    context={
        "central_account_id": MINIMAL_ACCOUNT,
        "producer_account_ids": [MINIMAL_PRODUCER_ACCOUNT],
        "portal": False,
    },
)
VARIANTS = (FULL, MINIMAL)


def every_variant() -> list[Variant]:
    """What the suite synthesizes, one CLI run each: the variants above and the README's deploy contexts."""
    return [*VARIANTS, *readme_variants()]
