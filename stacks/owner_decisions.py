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
        # Lambda's function URL documentation: since October 2025 a call through a new function URL needs
        # lambda:InvokeFunction as well as lambda:InvokeFunctionUrl, and a caller from another account
        # needs both in the function's resource policy and in its own identity policy. The producer
        # account's IAM must therefore still allow its owners both actions on this function.
        for account_id in producer_account_ids:
            function.add_permission(
                f"OwnerDecisionsFrom{account_id}",
                principal=iam.AccountPrincipal(account_id),
                action="lambda:InvokeFunctionUrl",
                function_url_auth_type=lambda_.FunctionUrlAuthType.AWS_IAM,
            )
            # Only through the URL (the lambda:InvokedViaFunctionUrl condition key, a Bool the Service
            # Authorization Reference lists for lambda:InvokeFunction): the direct Invoke API stays closed
            # to producer accounts, so every call still passes the URL's AWS_IAM authentication.
            function.add_permission(
                f"OwnerDecisionsViaUrlFrom{account_id}",
                principal=iam.AccountPrincipal(account_id),
                action="lambda:InvokeFunction",
                invoked_via_function_url=True,
            )

    @property
    def url(self) -> str:
        return self.function_url.url
