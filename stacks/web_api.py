"""The HTTP API behind the Approve and Deny links in the data owner's email, and the request portal."""

from __future__ import annotations

import json

import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.nag import acknowledge

REQUEST_PATH = "/requests/{request_id}"
# The approval pages' stylesheet (lakegate.css), served by the decision function: no inline style.
ASSETS_PATH = "/assets/{file}"
# Owners deciding with their AWS identity (`lakegate approve` / `deny`); lambdas/lakegate/approvals/links.py
# names the same prefix for the function and the CLI.

# The request portal (one function): the sign-in page, sign-in calls and static assets are public; every
# page and form under PORTAL_APP_PATH needs a Cognito ID token (Authorization: Bearer <token>).
PORTAL_PATH = "/portal"
PORTAL_PUBLIC_ROUTES: tuple[tuple[apigwv2.HttpMethod, str], ...] = (
    (apigwv2.HttpMethod.GET, PORTAL_PATH),
    (apigwv2.HttpMethod.POST, f"{PORTAL_PATH}/signin"),
    (apigwv2.HttpMethod.POST, f"{PORTAL_PATH}/signin/new-password"),
    (apigwv2.HttpMethod.GET, f"{PORTAL_PATH}/assets/{{file}}"),
)
PORTAL_APP_PATH = f"{PORTAL_PATH}/app/{{proxy+}}"

# $context.path and the query string are left out on purpose: a link carries its single-use
# secret, and access logs must not keep it.
_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "sourceIp": "$context.identity.sourceIp",
        "userAgent": "$context.identity.userAgent",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationStatus": "$context.integrationStatus",
        "integrationError": "$context.integrationErrorMessage",
    }
)


class WebApi(Construct):
    """An HTTP API with a throttled, access-logged default stage; routes are added with ``route_to``.

    The API exists before its handler so that the function sending the links can be told the base URL.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rate_limit: float,
        burst_limit: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="lakegate: approval-link confirmation pages and decisions, and the request portal",
            create_default_stage=False,
        )
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        self._route_throttles: dict[str, dict[str, float | int]] = {}
        self._link_throttle = {"ThrottlingRateLimit": rate_limit, "ThrottlingBurstLimit": burst_limit}
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
            access_log_settings=_AccessLogSettings(
                apigwv2.LogGroupLogDestination(self.access_logs),
                apigateway.AccessLogFormat.custom(_ACCESS_LOG_FORMAT),
            ),
        )

    @property
    def base_url(self) -> str:
        """The API's URL without a trailing slash (the ``$default`` stage serves the root)."""
        return self.http_api.api_endpoint

    def route_to(self, handler: lambda_.IFunction) -> list[apigwv2.HttpRoute]:
        """Serve the approval links with ``handler``: open to anyone holding a link, which carries its secret.

        Owners deciding with their AWS identity use the function URL (``OwnerDecisionUrl``) instead:
        HTTP APIs have no resource policy, so they cannot admit IAM callers from producer accounts.
        """
        integration = integrations.HttpLambdaIntegration("DecisionIntegration", handler)
        links = self.http_api.add_routes(
            path=REQUEST_PATH,
            methods=[apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
            integration=integration,
        )
        for route in links:
            acknowledge(
                route,
                "The links are opened by mail recipients who have no AWS identity; each link is authorized "
                "by a single-use random secret that the handler checks against a hash kept in the ledger.",
                "AwsSolutions-APIG4",
            )
        assets = self.http_api.add_routes(
            path=ASSETS_PATH, methods=[apigwv2.HttpMethod.GET], integration=integration
        )
        for route in assets:
            acknowledge(
                route,
                "The stylesheet of the approval pages, which mail recipients without an AWS identity open; "
                "it is a static file of the function's code and holds no request data.",
                "AwsSolutions-APIG4",
            )
        self._throttle([*links, *assets], self._link_throttle)
        return [*links, *assets]

    @property
    def portal_url(self) -> str:
        """Where the portal's sign-in page is."""
        return f"{self.base_url}{PORTAL_PATH}"

    def route_portal(
        self,
        handler: lambda_.IFunction,
        *,
        user_pool: cognito.IUserPool,
        client: cognito.IUserPoolClient,
        rate_limit: float,
        burst_limit: int,
    ) -> tuple[list[apigwv2.HttpRoute], list[apigwv2.HttpRoute]]:
        """Serve the portal with ``handler``: (public routes, routes behind the JWT authorizer).

        The authorizer accepts only ID tokens ``user_pool`` issued to ``client`` (issuer and audience),
        read from the Authorization header; API Gateway answers 401 itself when the token is missing or
        invalid, and the function gets the verified claims. Its routes are throttled on their own
        (``rate_limit``, ``burst_limit``), so portal traffic cannot use up the approval links' limit.
        """
        integration = integrations.HttpLambdaIntegration("PortalIntegration", handler)
        public: list[apigwv2.HttpRoute] = []
        for method, path in PORTAL_PUBLIC_ROUTES:
            public += self.http_api.add_routes(path=path, methods=[method], integration=integration)
        for route in public:
            acknowledge(
                route,
                "Signing in cannot require being signed in: the sign-in page, its two static assets and "
                "the sign-in calls (Cognito USER_PASSWORD_AUTH, a new password on first sign-in) are "
                "public and return no catalog or request data; every other portal route is under "
                f"{PORTAL_APP_PATH} behind the Cognito JWT authorizer.",
                "AwsSolutions-APIG4",
            )
        self.portal_authorizer = authorizers.HttpUserPoolAuthorizer(
            "PortalAuthorizer",
            user_pool,
            user_pool_clients=[client],
            identity_source=["$request.header.Authorization"],
        )
        protected = self.http_api.add_routes(
            path=PORTAL_APP_PATH,
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=self.portal_authorizer,
        )
        self._throttle(
            [*public, *protected], {"ThrottlingRateLimit": rate_limit, "ThrottlingBurstLimit": burst_limit}
        )
        return public, protected

    def _throttle(self, routes: list[apigwv2.HttpRoute], limits: dict[str, float | int]) -> None:
        """Give each route its own throttle on the stage (route settings are keyed by route key)."""
        for route in routes:
            cfn_route = route.node.default_child
            assert isinstance(cfn_route, apigwv2.CfnRoute)
            self._route_throttles[cfn_route.route_key] = dict(limits)
            self.stage.node.add_dependency(route)  # a route setting may name only an existing route
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.add_property_override("RouteSettings", dict(self._route_throttles))


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """``IAccessLogSettings`` is a jsii interface, not a struct, so a dict is refused.

    Python must implement it, and its properties need ``jsii.member`` for the jsii kernel to read them.
    """

    def __init__(
        self, destination: apigwv2.IAccessLogDestination, log_format: apigateway.AccessLogFormat
    ) -> None:
        self._destination = destination
        self._format = log_format

    @property
    @jsii.member(jsii_name="destination")
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    @jsii.member(jsii_name="format")
    def format(self) -> apigateway.AccessLogFormat:
        return self._format
