"""The request portal in the central stack: its Cognito user pool, JWT-protected routes, least privilege."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.central import CentralStack
from tests.infra.cfn import actions_of, as_list, logical_id, render, resources_for, statements_of

pytestmark = pytest.mark.infra

PUBLIC_ROUTES = {
    "GET /portal",
    "POST /portal/signin",
    "POST /portal/signin/new-password",
    "GET /portal/assets/{file}",
}
APP_ROUTES = {"ANY /portal/app/{proxy+}"}
CATALOG = "arn:aws:glue:eu-west-1:999999999999:"


def resource(template: Template, construct: Any) -> dict[str, Any]:
    found: dict[str, Any] = template.to_json()["Resources"][logical_id(construct)]
    return found


def pool_properties(central: CentralStack, template: Template) -> dict[str, Any]:
    properties: dict[str, Any] = resource(template, central.portal.user_pool)["Properties"]
    return properties


def client_properties(central: CentralStack, template: Template) -> dict[str, Any]:
    properties: dict[str, Any] = resource(template, central.portal.client)["Properties"]
    return properties


def portal_routes(template: Template) -> dict[str, dict[str, Any]]:
    """Every route of the API under /portal, by route key."""
    routes = template.find_resources("AWS::ApiGatewayV2::Route").values()
    return {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in routes
        if route["Properties"]["RouteKey"].split(" ")[1].startswith("/portal")
    }


def portal_function_arn(central: CentralStack) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id(central.functions["portal"]), "Arn"]}


# --- the user pool ---------------------------------------------------------------------------


def test_only_administrators_create_users_who_sign_in_by_username_or_email(
    central: CentralStack, central_template: Template
) -> None:
    pool = pool_properties(central, central_template)

    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["AliasAttributes"] == ["email"]
    assert "UsernameAttributes" not in pool
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert {"Name": "email", "Required": True, "Mutable": True} in pool["Schema"]
    # The invitation (with the temporary password) says where to sign in.
    invitation = render(pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"])
    assert f"<{logical_id(central.http_api)}.ApiEndpoint>/portal " in invitation
    assert "{username}" in invitation
    assert "{####}" in invitation


def test_the_accounts_a_user_acts_for_are_mutable_custom_string_attributes(
    central: CentralStack, central_template: Template
) -> None:
    custom = {
        attribute["Name"]: attribute
        for attribute in pool_properties(central, central_template)["Schema"]
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


def test_passwords_are_strong_and_recovered_by_email_only(
    central: CentralStack, central_template: Template
) -> None:
    pool = pool_properties(central, central_template)

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


def test_mfa_is_optional_with_an_authenticator_app_only(
    central: CentralStack, central_template: Template
) -> None:
    pool = pool_properties(central, central_template)

    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_threat_protection_blocks_leaked_credentials_and_high_risk_sign_ins(
    central: CentralStack, central_template: Template
) -> None:
    pool = pool_properties(central, central_template)
    risk = resource(central_template, central.portal.threat_protection)["Properties"]

    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert risk["UserPoolId"] == {"Ref": logical_id(central.portal.user_pool)}
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


def test_the_pool_holds_users_so_it_is_kept_and_protected_from_deletion(
    central: CentralStack, central_template: Template
) -> None:
    pool = resource(central_template, central.portal.user_pool)

    assert pool["DeletionPolicy"] == "Retain"
    assert pool["UpdateReplacePolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_the_groups_are_exactly_consumers_owners_and_admins(
    central: CentralStack, central_template: Template
) -> None:
    groups = central_template.find_resources("AWS::Cognito::UserPoolGroup").values()

    assert sorted(group["Properties"]["GroupName"] for group in groups) == ["admins", "consumers", "owners"]
    for group in groups:
        assert group["Properties"]["UserPoolId"] == {"Ref": logical_id(central.portal.user_pool)}
        assert group["Properties"]["Description"].startswith("lakegate portal: ")
        assert "RoleArn" not in group["Properties"]


# --- the app client --------------------------------------------------------------------------


def test_the_client_is_public_and_signs_in_with_username_and_password_only(
    central: CentralStack, central_template: Template
) -> None:
    client = client_properties(central, central_template)

    assert central_template.find_resources("AWS::Cognito::UserPoolClient").keys() == {
        logical_id(central.portal.client)
    }
    assert client["UserPoolId"] == {"Ref": logical_id(central.portal.user_pool)}
    assert client["GenerateSecret"] is False
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert "AllowedOAuthFlows" not in client
    assert "CallbackURLs" not in client
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True


def test_tokens_last_an_hour_and_sessions_twelve_hours(
    central: CentralStack, central_template: Template
) -> None:
    client = client_properties(central, central_template)

    assert client["TokenValidityUnits"] == {
        "IdToken": "minutes",
        "AccessToken": "minutes",
        "RefreshToken": "minutes",
    }
    assert client["IdTokenValidity"] == 60
    assert client["AccessTokenValidity"] == 60
    assert client["RefreshTokenValidity"] == 12 * 60


def test_the_id_token_carries_the_portal_claims_and_users_cannot_change_the_accounts_they_act_for(
    central: CentralStack, central_template: Template
) -> None:
    client = client_properties(central, central_template)

    assert {"email", "custom:consumer_account", "custom:owner_accounts"} <= set(client["ReadAttributes"])
    # Left unset, WriteAttributes would let users rewrite standard attributes (the email alias) themselves.
    assert client["WriteAttributes"] == ["name"]


# --- the routes ------------------------------------------------------------------------------


def test_one_jwt_authorizer_accepts_only_id_tokens_of_the_pool_for_the_portal_client(
    central: CentralStack, central_template: Template
) -> None:
    authorizers = central_template.find_resources("AWS::ApiGatewayV2::Authorizer")
    assert len(authorizers) == 1
    ((_, authorizer),) = authorizers.items()
    properties = authorizer["Properties"]

    assert properties["ApiId"] == {"Ref": logical_id(central.http_api)}
    assert properties["AuthorizerType"] == "JWT"
    assert properties["IdentitySource"] == ["$request.header.Authorization"]
    assert render(properties["JwtConfiguration"]["Issuer"]) == (
        f"https://cognito-idp.eu-west-1.amazonaws.com/<{logical_id(central.portal.user_pool)}>"
    )
    assert properties["JwtConfiguration"]["Audience"] == [{"Ref": logical_id(central.portal.client)}]


def test_every_app_route_needs_a_token_and_only_signing_in_is_public(
    central: CentralStack, central_template: Template
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
    central: CentralStack, central_template: Template
) -> None:
    integrations = central_template.find_resources(
        "AWS::ApiGatewayV2::Integration", {"Properties": {"IntegrationUri": portal_function_arn(central)}}
    )
    assert len(integrations) == 1
    ((integration_id, integration),) = integrations.items()

    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    for key, route in portal_routes(central_template).items():
        assert render(route["Target"]) == f"integrations/<{integration_id}>", key


def test_api_gateway_may_invoke_the_portal_function_only_for_the_portal_routes(
    central: CentralStack, central_template: Template
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
    api = f"arn:aws:execute-api:eu-west-1:999999999999:<{logical_id(central.http_api)}>"

    assert {render(permission["Properties"]["SourceArn"]) for permission in permissions} == {
        f"{api}/*/*{key.split(' ')[1]}" for key in PUBLIC_ROUTES | APP_ROUTES
    }


# --- the portal function ---------------------------------------------------------------------


def test_the_portal_function_knows_the_state_machine_the_client_and_the_role_prefix(
    central: CentralStack, central_template: Template
) -> None:
    variables = resource(central_template, central.functions["portal"])["Properties"]["Environment"][
        "Variables"
    ]

    assert variables == {
        "LEDGER_TABLE_NAME": {"Ref": logical_id(central.table)},
        "EVENT_BUS_NAME": {"Ref": logical_id(central.event_bus)},
        "STATE_MACHINE_ARN": {"Ref": logical_id(central.state_machine)},
        "USER_POOL_CLIENT_ID": {"Ref": logical_id(central.portal.client)},
        "USER_ROLE_PREFIX": "lakegate-user-",
        "POWERTOOLS_SERVICE_NAME": "lakegate",
    }


def test_the_portal_role_may_do_exactly_what_the_portal_does(
    central: CentralStack, central_template: Template
) -> None:
    role = logical_id(central.roles["portal"])
    log_group = resource(central_template, central.functions["portal"])["Properties"]["LoggingConfig"][
        "LogGroup"
    ]
    state_machine = f"<{logical_id(central.state_machine)}>"
    table = f"<{logical_id(central.table)}.Arn>"
    key = f"<{logical_id(central.key)}.Arn>"
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
        "kms:Encrypt": {key},
        "kms:ReEncrypt*": {key},
        "kms:GenerateDataKey*": {key},
        "events:PutEvents": {f"<{logical_id(central.event_bus)}.Arn>"},
        "states:StartExecution": {state_machine},
        "states:SendTaskSuccess": {state_machine},
        "states:SendTaskFailure": {state_machine},
        "states:SendTaskHeartbeat": {state_machine},
    }

    assert actions_of(central_template, role) == {*expected, "states:DescribeExecution"}
    for action, resources in expected.items():
        assert resources_for(central_template, role, action) == resources, action
    assert all(statement["Effect"] == "Allow" for statement in statements_of(central_template, role))


def test_the_portal_may_describe_only_executions_of_the_access_request_state_machine(
    central: CentralStack, central_template: Template
) -> None:
    role = logical_id(central.roles["portal"])
    (describe,) = [
        statement
        for statement in statements_of(central_template, role)
        if "states:DescribeExecution" in as_list(statement["Action"])
    ]
    name = {"Fn::Select": [6, {"Fn::Split": [":", {"Ref": logical_id(central.state_machine)}]}]}

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


def test_outputs_give_the_portal_url_the_pool_and_the_client(
    central: CentralStack, central_template: Template
) -> None:
    outputs = central_template.to_json()["Outputs"]

    assert render(outputs["PortalUrl"]["Value"]) == f"<{logical_id(central.http_api)}.ApiEndpoint>/portal"
    assert outputs["UserPoolId"]["Value"] == {"Ref": logical_id(central.portal.user_pool)}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": logical_id(central.portal.client)}
