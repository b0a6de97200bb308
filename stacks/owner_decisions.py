"""The URL data owners decide through with their AWS identity (`lakegate approve` / `deny`).

A Lambda function URL with AWS_IAM auth on the decision function: unlike an HTTP API, a function
URL has a resource policy, so the producer accounts can be admitted; the function then accepts
only callers from the request's own data owner account and records their ARN.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct


class OwnerDecisionUrl(Construct):
    """An IAM-authenticated function URL on ``function``, invocable from ``producer_account_ids``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.Function,
        producer_account_ids: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.function_url = function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        for account_id in producer_account_ids:
            # The producer account's own IAM must still allow its owners lambda:InvokeFunctionUrl.
            function.add_permission(
                f"OwnerDecisionsFrom{account_id}",
                principal=iam.AccountPrincipal(account_id),
                action="lambda:InvokeFunctionUrl",
                function_url_auth_type=lambda_.FunctionUrlAuthType.AWS_IAM,
            )

    @property
    def url(self) -> str:
        return self.function_url.url
