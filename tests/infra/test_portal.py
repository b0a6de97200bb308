"""The request portal in the central stack: its Cognito user pool, JWT-protected routes, least privilege."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from lakegate.core import manifest
from tests.infra.app_context import CENTRAL_ACCOUNT, CONSUMER_ACCOUNT, FULL, MINIMAL, PRODUCER_ACCOUNT
from tests.infra.cfn import (
    EVENT_BUS,
    HTTP_API,
    KEY,
    STATE_MACHINE,
    TABLE,
    actions_of,
    as_list,
    construct_paths,
    function_id,
    function_keys,
    function_path,
    render,
    resources_for,
    role_id,
    statements_of,
)
from tests.infra.synth import SynthesizedStack

pytestmark = pytest.mark.infra

USER_POOL = "Portal/UserPool"
CLIENT = "Portal/UserPool/PortalClient"
THREAT_PROTECTION = "Portal/ThreatProtection"

PUBLIC_ROUTES = {
    "GET /portal",
    "POST /portal/signin",
    "POST /portal/signin/new-password",
    "GET /portal/assets/{file}",
}
APP_ROUTES = {"ANY /portal/app/{proxy+}"}
CATALOG = f"arn:aws:glue:{FULL.region}:{CENTRAL_ACCOUNT}:"


def portal_routes(template: Template) -> dict[str, dict[str, Any]]:
    """Every route of the API under /portal, by route key."""
    routes = template.find_resources("AWS::ApiGatewayV2::Route").values()
    return {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in routes
        if route["Properties"]["RouteKey"].split(" ")[1].startswith("/portal")
    }


def portal_function_arn(central: SynthesizedStack) -> dict[str, Any]:
    return {"Fn::GetAtt": [function_id(central, "portal"), "Arn"]}


# --- the user pool ---------------------------------------------------------------------------


def test_only_administrators_create_users_who_sign_in_by_username_or_email(central: SynthesizedStack) -> None:
    pool = central.properties(USER_POOL)

    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["AliasAttributes"] == ["email"]
    assert "UsernameAttributes" not in pool
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert {"Name": "email", "Required": True, "Mutable": True} in pool["Schema"]
    # The invitation (with the temporary password) says where to sign in.
    invitation = render(pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"], central)
    assert f"<{central.id(HTTP_API)}.ApiEndpoint>/portal " in invitation
    assert "{username}" in invitation
    assert "{####}" in invitation


def test_the_accounts_a_user_acts_for_are_mutable_custom_string_attributes(central: SynthesizedStack) -> None:
    custom = {
        attribute["Name"]: attribute
        for attribute in central.properties(USER_POOL)["Schema"]
        if "AttributeDataType" in attribute
    }

    assert custom == {
        "consumer_account": {
            "Name": "consumer_account",
            "AttributeDataType": "String",
            "Mutable": True,
            "StringAttributeConstraints": {"MinLength": "12", "MaxLength": "12"},
        },
        "owner_accounts": {
            "Name": "owner_accounts",
            "AttributeDataType": "String",
            "Mutable": True,
            "StringAttributeConstraints": {"MinLength": "12", "MaxLength": "2048"},
        },
    }


def test_passwords_are_strong_and_recovered_by_email_only(central: SynthesizedStack) -> None:
    pool = central.properties(USER_POOL)

    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 14,
        "RequireLowercase": True,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "PasswordHistorySize": 5,
        "TemporaryPasswordValidityDays": 3,
    }
    assert pool["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
    }


def test_mfa_is_optional_with_an_authenticator_app_only(central: SynthesizedStack) -> None:
    pool = central.properties(USER_POOL)

    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_threat_protection_blocks_leaked_credentials_and_high_risk_sign_ins(
    central: SynthesizedStack,
) -> None:
    pool = central.properties(USER_POOL)
    risk = central.properties(THREAT_PROTECTION)

    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert risk["UserPoolId"] == {"Ref": central.id(USER_POOL)}
    assert risk["ClientId"] == "ALL"
    assert risk["CompromisedCredentialsRiskConfiguration"] == {
        "Actions": {"EventAction": "BLOCK"},
        "EventFilter": ["SIGN_IN", "PASSWORD_CHANGE"],
    }
    assert risk["AccountTakeoverRiskConfiguration"] == {
        "Actions": {
            "LowAction": {"EventAction": "NO_ACTION", "Notify": False},
            "MediumAction": {"EventAction": "NO_ACTION", "Notify": False},
            "HighAction": {"EventAction": "BLOCK", "Notify": False},
        }
    }


def test_the_pool_holds_users_so_it_is_kept_and_protected_from_deletion(central: SynthesizedStack) -> None:
    pool = central.resources[central.id(USER_POOL)]

    assert pool["DeletionPolicy"] == "Retain"
    assert pool["UpdateReplacePolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_the_groups_are_exactly_consumers_owners_and_admins(
    central: SynthesizedStack, central_template: Template
) -> None:
    groups = central_template.find_resources("AWS::Cognito::UserPoolGroup").values()

    assert sorted(group["Properties"]["GroupName"] for group in groups) == ["admins", "consumers", "owners"]
    for group in groups:
        assert group["Properties"]["UserPoolId"] == {"Ref": central.id(USER_POOL)}
        assert group["Properties"]["Description"].startswith("lakegate portal: ")
        assert "RoleArn" not in group["Properties"]


# --- the app client --------------------------------------------------------------------------


def test_the_client_is_public_and_signs_in_with_username_and_password_only(
    central: SynthesizedStack, central_template: Template
) -> None:
    client = central.properties(CLIENT)

    assert central_template.find_resources("AWS::Cognito::UserPoolClient").keys() == {central.id(CLIENT)}
    assert client["UserPoolId"] == {"Ref": central.id(USER_POOL)}
    assert client["GenerateSecret"] is False
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert "AllowedOAuthFlows" not in client
    assert "CallbackURLs" not in client
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True


def test_tokens_last_an_hour_and_sessions_twelve_hours(central: SynthesizedStack) -> None:
    client = central.properties(CLIENT)

    assert client["TokenValidityUnits"] == {
        "IdToken": "minutes",
        "AccessToken": "minutes",
        "RefreshToken": "minutes",
    }
    assert client["IdTokenValidity"] == 60
    assert client["AccessTokenValidity"] == 60
    assert client["RefreshTokenValidity"] == 12 * 60


def test_the_id_token_carries_the_portal_claims_and_users_cannot_change_the_accounts_they_act_for(
    central: SynthesizedStack,
) -> None:
    client = central.properties(CLIENT)

    assert {"email", "custom:consumer_account", "custom:owner_accounts"} <= set(client["ReadAttributes"])
    # Left unset, WriteAttributes would let users rewrite standard attributes (the email alias) themselves.
    assert client["WriteAttributes"] == ["name"]


# --- the routes ------------------------------------------------------------------------------


def test_one_jwt_authorizer_accepts_only_id_tokens_of_the_pool_for_the_portal_client(
    central: SynthesizedStack, central_template: Template
) -> None:
    authorizers = central_template.find_resources("AWS::ApiGatewayV2::Authorizer")
    assert len(authorizers) == 1
    ((_, authorizer),) = authorizers.items()
    properties = authorizer["Properties"]

    assert properties["ApiId"] == {"Ref": central.id(HTTP_API)}
    assert properties["AuthorizerType"] == "JWT"
    assert properties["IdentitySource"] == ["$request.header.Authorization"]
    assert render(properties["JwtConfiguration"]["Issuer"], central) == (
        f"https://cognito-idp.{FULL.region}.amazonaws.com/<{central.id(USER_POOL)}>"
    )
    assert properties["JwtConfiguration"]["Audience"] == [{"Ref": central.id(CLIENT)}]


def test_every_app_route_needs_a_token_and_only_signing_in_is_public(
    central: SynthesizedStack, central_template: Template
) -> None:
    routes = portal_routes(central_template)
    (authorizer_id,) = central_template.find_resources("AWS::ApiGatewayV2::Authorizer")

    assert set(routes) == PUBLIC_ROUTES | APP_ROUTES
    for key, route in routes.items():
        if key.split(" ")[1].startswith("/portal/app"):
            assert route["AuthorizationType"] == "JWT", key
            assert route["AuthorizerId"] == {"Ref": authorizer_id}, key
        else:
            assert key in PUBLIC_ROUTES
            assert route["AuthorizationType"] == "NONE", key
            assert "AuthorizerId" not in route, key


def test_every_portal_route_is_served_by_the_portal_function(
    central: SynthesizedStack, central_template: Template
) -> None:
    integrations = central_template.find_resources(
        "AWS::ApiGatewayV2::Integration", {"Properties": {"IntegrationUri": portal_function_arn(central)}}
    )
    assert len(integrations) == 1
    ((integration_id, integration),) = integrations.items()

    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    for key, route in portal_routes(central_template).items():
        assert render(route["Target"], central) == f"integrations/<{integration_id}>", key


def test_api_gateway_may_invoke_the_portal_function_only_for_the_portal_routes(
    central: SynthesizedStack, central_template: Template
) -> None:
    permissions = central_template.find_resources(
        "AWS::Lambda::Permission",
        {
            "Properties": {
                "FunctionName": portal_function_arn(central),
                "Principal": "apigateway.amazonaws.com",
            }
        },
    ).values()
    api = f"arn:aws:execute-api:{FULL.region}:{CENTRAL_ACCOUNT}:<{central.id(HTTP_API)}>"

    assert {render(permission["Properties"]["SourceArn"], central) for permission in permissions} == {
        f"{api}/*/*{key.split(' ')[1]}" for key in PUBLIC_ROUTES | APP_ROUTES
    }


# --- the portal function ---------------------------------------------------------------------


def test_the_portal_function_knows_the_state_machine_the_client_the_role_prefix_and_the_mesh(
    central: SynthesizedStack,
) -> None:
    variables = central.properties(function_path("portal"))["Environment"]["Variables"]
    requester_key = central.id("RequesterKey")

    assert variables == {
        "LEDGER_TABLE_NAME": {"Ref": central.id(TABLE)},
        "EVENT_BUS_NAME": {"Ref": central.id(EVENT_BUS)},
        "STATE_MACHINE_ARN": {"Ref": central.id(STATE_MACHINE)},
        "USER_POOL_CLIENT_ID": {"Ref": central.id(CLIENT)},
        "USER_ROLE_PREFIX": "lakegate-user-",
        "CENTRAL_ACCOUNT_ID": CENTRAL_ACCOUNT,
        "CONSUMER_ACCOUNT_IDS": CONSUMER_ACCOUNT,
        "PRODUCER_ACCOUNT_IDS": PRODUCER_ACCOUNT,
        "REQUESTER_KEY_ID": {"Fn::GetAtt": [requester_key, "Arn"]},
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }


def test_the_portal_role_may_do_exactly_what_the_portal_does(central: SynthesizedStack) -> None:
    role = role_id(central, "portal")
    log_group = central.properties(function_path("portal"))["LoggingConfig"]["LogGroup"]
    state_machine = f"<{central.id(STATE_MACHINE)}>"
    table = f"<{central.id(TABLE)}.Arn>"
    key = f"<{central.id(KEY)}.Arn>"
    expected = {
        "logs:CreateLogStream": {f"<{log_group['Ref']}.Arn>"},
        "logs:PutLogEvents": {f"<{log_group['Ref']}.Arn>"},
        "xray:PutTraceSegments": {"*"},
        "xray:PutTelemetryRecords": {"*"},
        "glue:GetDatabases": {f"{CATALOG}catalog", f"{CATALOG}database/*", f"{CATALOG}table/*/*"},
        "glue:GetDatabase": {f"{CATALOG}catalog", f"{CATALOG}database/*", f"{CATALOG}table/*/*"},
        "glue:GetTables": {f"{CATALOG}catalog", f"{CATALOG}database/*", f"{CATALOG}table/*/*"},
        "glue:GetTable": {f"{CATALOG}catalog", f"{CATALOG}database/*", f"{CATALOG}table/*/*"},
        "dynamodb:GetItem": {table},
        "dynamodb:Scan": {table},
        "dynamodb:UpdateItem": {table},
        "kms:Decrypt": {key},
        "kms:GenerateDataKey*": {key},
        "kms:GenerateMac": {f"<{central.id('RequesterKey')}.Arn>"},
        "events:PutEvents": {f"<{central.id(EVENT_BUS)}.Arn>"},
        "states:StartExecution": {state_machine},
        "states:SendTaskSuccess": {state_machine},
    }

    assert actions_of(central, role) == {*expected, "states:DescribeExecution"}
    for action, resources in expected.items():
        assert resources_for(central, role, action) == resources, action
    assert all(statement["Effect"] == "Allow" for statement in statements_of(central, role))


def test_the_portal_may_describe_only_executions_of_the_access_request_state_machine(
    central: SynthesizedStack,
) -> None:
    role = role_id(central, "portal")
    (describe,) = [
        statement
        for statement in statements_of(central, role)
        if "states:DescribeExecution" in as_list(statement["Action"])
    ]
    name = {"Fn::GetAtt": [central.id(STATE_MACHINE), "Name"]}

    assert as_list(describe["Action"]) == ["states:DescribeExecution"]
    assert describe["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":states:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":execution:",
                name,
                ":*",
            ],
        ]
    }


# --- outputs ---------------------------------------------------------------------------------


def test_outputs_give_the_portal_url_the_pool_and_the_client(central: SynthesizedStack) -> None:
    outputs = central.document["Outputs"]

    assert render(outputs["PortalUrl"]["Value"], central) == f"<{central.id(HTTP_API)}.ApiEndpoint>/portal"
    assert outputs["UserPoolId"]["Value"] == {"Ref": central.id(USER_POOL)}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": central.id(CLIENT)}


# --- without the portal (the MINIMAL variant) --------------------------------------------------


def test_without_the_portal_there_is_no_user_pool_and_no_portal_function(
    minimal_central: SynthesizedStack,
) -> None:
    types = {resource["Type"] for resource in minimal_central.resources.values()}
    variables = [
        minimal_central.properties(function_path(key))["Environment"]["Variables"]
        for key in function_keys(minimal_central)
    ]

    assert not {resource_type for resource_type in types if resource_type.startswith("AWS::Cognito::")}
    assert not [path for path in construct_paths(minimal_central) if path.startswith("Portal/")]
    assert function_keys(minimal_central) == set(manifest.FUNCTIONS_BY_KEY) - {"portal"}
    assert not any(
        resource["Properties"]["Handler"] == manifest.FUNCTIONS_BY_KEY["portal"].handler
        for resource in minimal_central.resources.values()
        if resource["Type"] == "AWS::Lambda::Function"
    )
    # Only the portal was told the user pool's client and the access-request state machine.
    for environment in variables:
        assert not {manifest.USER_POOL_CLIENT_ID, manifest.STATE_MACHINE_ARN} & set(environment)


def test_without_the_portal_the_api_serves_only_the_approval_links(minimal_central: SynthesizedStack) -> None:
    template = minimal_central.template
    routes = template.find_resources("AWS::ApiGatewayV2::Route").values()
    invoked_by_api_gateway = template.find_resources(
        "AWS::Lambda::Permission", {"Properties": {"Principal": "apigateway.amazonaws.com"}}
    ).values()
    api = f"arn:aws:execute-api:{MINIMAL.region}:{MINIMAL.account}:<{minimal_central.id(HTTP_API)}>"

    assert sorted(route["Properties"]["RouteKey"] for route in routes) == [
        "GET /assets/{file}",
        "GET /requests/{request_id}",
        "POST /requests/{request_id}",
    ]
    assert template.find_resources("AWS::ApiGatewayV2::Authorizer") == {}
    assert {
        render(permission["Properties"]["SourceArn"], minimal_central)
        for permission in invoked_by_api_gateway
    } == {f"{api}/*/*/requests/{{request_id}}", f"{api}/*/*/assets/{{file}}"}


def test_without_the_portal_only_the_workflow_starts_requests_and_only_the_links_decide(
    minimal_central: SynthesizedStack,
) -> None:
    state_machine = f"<{minimal_central.id(STATE_MACHINE)}>"
    for key in function_keys(minimal_central):
        role = role_id(minimal_central, key)
        assert state_machine not in resources_for(minimal_central, role, "states:StartExecution"), key
        assert "states:DescribeExecution" not in actions_of(minimal_central, role), key
        answered = resources_for(minimal_central, role, "states:SendTaskSuccess")
        assert answered == ({state_machine} if key == "decision_api" else set()), key


def test_without_the_portal_the_outputs_name_no_portal(minimal_central: SynthesizedStack) -> None:
    outputs = set(minimal_central.document["Outputs"])

    assert not outputs & {"PortalUrl", "UserPoolId", "UserPoolClientId"}
    assert {"DecisionApiUrl", "OwnerDecisionUrl", "StateMachineArn", "SettingsParameterName"} <= outputs


def test_the_portal_and_the_approval_links_are_throttled_apart(central_template: Template) -> None:
    (stage,) = central_template.find_resources("AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["RouteSettings"]
    links = {"GET /requests/{request_id}", "POST /requests/{request_id}", "GET /assets/{file}"}

    assert set(settings) == links | PUBLIC_ROUTES | APP_ROUTES
    # cdk.json's defaults: each route has its own bucket, the portal's larger than the links'.
    for key in links:
        assert settings[key] == {"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10}
    for key in PUBLIC_ROUTES | APP_ROUTES:
        assert settings[key] == {"ThrottlingRateLimit": 10, "ThrottlingBurstLimit": 20}
    # A route setting may only name a route that exists: the stage waits for every route.
    route_ids = set(central_template.find_resources("AWS::ApiGatewayV2::Route"))
    assert route_ids <= set(stage["DependsOn"])
