"""The central stack: encryption, functions built from their specs, the workflow, least privilege."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

import statemachine
from stacks.central import CentralStack
from tests.infra.app_context import PRODUCER_ACCOUNT
from tests.infra.cfn import (
    actions_of,
    as_list,
    assert_topic_requires_tls,
    logical_id,
    render,
    resources_for,
    statements,
    statements_of,
)

pytestmark = pytest.mark.infra

WORKFLOW_FUNCTIONS = sorted(statemachine.PLACEHOLDERS.values())


def function_properties(template: Template, central: CentralStack, key: str) -> dict:
    return template.to_json()["Resources"][logical_id(central.functions[key])]["Properties"]


def role_id(central: CentralStack, key: str) -> str:
    return logical_id(central.roles[key])


# --- encryption and durability ---------------------------------------------------------------


def test_ledger_is_keyed_by_request_id_encrypted_with_the_customer_key_and_recoverable(
    central: CentralStack, central_template: Template
) -> None:
    central_template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [{"AttributeName": "request_id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "request_id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": [logical_id(central.key), "Arn"]},
                },
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_notification_topic_is_encrypted_with_the_customer_key_and_requires_tls(
    central: CentralStack, central_template: Template
) -> None:
    topic_id = logical_id(central.topic)
    central_template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [logical_id(central.key), "Arn"]}}
    )
    assert_topic_requires_tls(central_template, topic_id)


def test_every_key_rotates(central_template: Template, producer_template: Template) -> None:
    for template in (central_template, producer_template):
        keys = template.find_resources("AWS::KMS::Key")
        assert keys
        assert all(key["Properties"]["EnableKeyRotation"] is True for key in keys.values())


# --- functions built from their specs --------------------------------------------------------


@pytest.mark.parametrize("spec", statemachine.FUNCTIONS, ids=lambda spec: spec.key)
def test_function_has_its_specs_handler_and_exactly_its_environment(
    spec: statemachine.FunctionSpec, central: CentralStack, central_template: Template
) -> None:
    properties = function_properties(central_template, central, spec.key)

    assert properties["Handler"] == spec.handler
    assert set(properties["Environment"]["Variables"]) == {*spec.environment, "POWERTOOLS_SERVICE_NAME"}
    assert properties["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "lakegate"
    assert properties["Runtime"] == "python3.12"
    assert properties["Architectures"] == ["x86_64"]
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["MemorySize"] == 256
    assert properties["Timeout"] == (60 if spec.key == "grant_access" else 30)


def test_environment_values_come_from_the_right_resources(
    central: CentralStack, central_template: Template
) -> None:
    values = {
        key: function_properties(central_template, central, key)["Environment"]["Variables"]
        for key in statemachine.FUNCTIONS_BY_KEY
    }

    assert values["evaluate_request"]["LEDGER_TABLE_NAME"] == {"Ref": logical_id(central.table)}
    assert values["evaluate_request"]["APPROVAL_TIMEOUT_SECONDS"] == str(72 * 3600)
    assert values["evaluate_request"]["USER_ROLE_PREFIX"] == "lakegate-user-"
    assert values["conclude_request"]["NOTIFICATION_TOPIC_ARN"] == {"Ref": logical_id(central.topic)}
    approval = values["request_approval"]
    assert approval["DECISION_BASE_URL"] == {"Fn::GetAtt": [logical_id(central.http_api), "ApiEndpoint"]}
    assert approval["PRODUCER_ROLE_NAME"] == "ProducerWorkflowRole"
    assert approval["PRODUCER_TOPIC_NAME"] == "DataLakeSharingApproval"


def test_functions_use_the_powertools_layer_from_aws_public_parameter(
    central: CentralStack, central_template: Template
) -> None:
    parameters = central_template.to_json()["Parameters"]
    layer_parameters = [
        name
        for name, parameter in parameters.items()
        if parameter["Default"] == "/aws/service/powertools/python/x86_64/python3.12/latest"
    ]
    assert len(layer_parameters) == 1
    for key in statemachine.FUNCTIONS_BY_KEY:
        assert function_properties(central_template, central, key)["Layers"] == [{"Ref": layer_parameters[0]}]


def test_each_function_has_its_own_role_without_managed_policies(
    central: CentralStack, central_template: Template
) -> None:
    roles = {
        key: function_properties(central_template, central, key)["Role"]
        for key in statemachine.FUNCTIONS_BY_KEY
    }

    assert len({render(role) for role in roles.values()}) == len(roles)
    for role in central_template.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_each_function_writes_only_to_its_own_log_group(
    central: CentralStack, central_template: Template
) -> None:
    resources = central_template.to_json()["Resources"]
    for key in statemachine.FUNCTIONS_BY_KEY:
        log_group = function_properties(central_template, central, key)["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[log_group]["Properties"]["RetentionInDays"] == 90
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert resources_for(central_template, role_id(central, key), action) == {f"<{log_group}.Arn>"}


# --- least privilege -------------------------------------------------------------------------


def test_no_statement_allows_every_action_of_a_service(
    central_template: Template, producer_template: Template
) -> None:
    for template in (central_template, producer_template):
        for _, statement in statements(template):
            for action in as_list(statement["Action"]):
                assert action != "*"
                assert not action.endswith(":*"), action


def test_assume_role_is_never_granted_on_every_resource(central_template: Template) -> None:
    for _, statement in statements(central_template):
        if "sts:AssumeRole" in as_list(statement["Action"]):
            assert "*" not in as_list(statement["Resource"])


def test_only_actions_without_resource_level_permissions_are_granted_on_every_resource(
    central_template: Template, producer_template: Template
) -> None:
    # cdk-nag acknowledgements cover "Resource::*" per policy; this pins down what hides behind them.
    allowed = {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        "lakeformation:GrantPermissions",
        "lakeformation:RevokePermissions",
        "lakeformation:BatchGrantPermissions",
        "lakeformation:BatchRevokePermissions",
        "ram:CreateResourceShare",
        "ram:GetResourceShares",
        "ram:GetResourceShareAssociations",
        "organizations:DescribeOrganization",
        "organizations:DescribeAccount",
        # The audit role's reads (stacks/audit_role.py).
        "cloudtrail:LookupEvents",
        "lakeformation:ListPermissions",
    }
    for template in (central_template, producer_template):
        for _, statement in statements(template):
            if "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= allowed, statement


def test_the_approval_publisher_may_assume_only_the_listed_producers_role(
    central: CentralStack, central_template: Template
) -> None:
    publisher = role_id(central, "request_approval")

    assert resources_for(central_template, publisher, "sts:AssumeRole") == {
        f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/ProducerWorkflowRole"
    }
    assert (
        central_template.to_json()["Resources"][publisher]["Properties"]["RoleName"]
        == "LakegateApprovalPublisher"
    )
    for key in statemachine.FUNCTIONS_BY_KEY.keys() - {"request_approval"}:
        assert "sts:AssumeRole" not in actions_of(central_template, role_id(central, key))


def test_evaluate_request_reads_the_catalog_and_nothing_more_of_glue(
    central: CentralStack, central_template: Template
) -> None:
    evaluate = role_id(central, "evaluate_request")
    catalog = "arn:aws:glue:eu-west-1:999999999999:"

    assert {action for action in actions_of(central_template, evaluate) if action.startswith("glue:")} == {
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetTables",
    }
    assert resources_for(central_template, evaluate, "glue:GetTables") == {
        f"{catalog}catalog",
        f"{catalog}database/*",
        f"{catalog}table/*/*",
    }


def test_grant_access_may_grant_and_revoke_but_not_read_data(
    central: CentralStack, central_template: Template
) -> None:
    grant = role_id(central, "grant_access")
    actions = actions_of(central_template, grant)

    assert {action for action in actions if action.startswith("lakeformation:")} == {
        "lakeformation:GrantPermissions",
        "lakeformation:RevokePermissions",
        "lakeformation:BatchGrantPermissions",
        "lakeformation:BatchRevokePermissions",
    }
    assert {
        "glue:GetDatabase",
        "glue:GetTable",
        "ram:CreateResourceShare",
        "glue:PutResourcePolicy",
    } <= actions
    manage_shares = [
        statement
        for statement in statements_of(central_template, grant)
        if "ram:AssociateResourceShare" in as_list(statement["Action"])
    ]
    assert [statement["Condition"] for statement in manage_shares] == [
        {"StringLike": {"ram:ResourceShareName": ["LakeFormation*"]}}
    ]
    assert resources_for(central_template, grant, "glue:PutResourcePolicy") == {
        "arn:aws:glue:eu-west-1:999999999999:catalog"
    }


def test_only_the_concluding_and_revoking_functions_may_publish_to_consumers(
    central: CentralStack, central_template: Template
) -> None:
    topic = f"<{logical_id(central.topic)}>"
    for key in statemachine.FUNCTIONS_BY_KEY:
        published = resources_for(central_template, role_id(central, key), "sns:Publish")
        notifies = key in ("conclude_request", "record_failure", "revoke_access")
        assert published == ({topic} if notifies else set())


def test_functions_may_read_and_write_single_ledger_items_never_delete_and_only_the_portal_scans(
    central: CentralStack, central_template: Template
) -> None:
    table = f"<{logical_id(central.table)}.Arn>"
    for key in statemachine.FUNCTIONS_BY_KEY:
        dynamodb_actions = {
            a for a in actions_of(central_template, role_id(central, key)) if a.startswith("dynamodb:")
        }
        # The portal lists requests but never creates one (the workflow it starts does).
        expected = (
            {"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"}
            if key == "portal"
            else {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
        )
        assert dynamodb_actions == expected, key
        for action in dynamodb_actions:
            assert resources_for(central_template, role_id(central, key), action) == {table}


# --- the workflow ----------------------------------------------------------------------------


def test_state_machine_substitutes_every_placeholder_with_its_functions_arn(
    central: CentralStack, central_template: Template
) -> None:
    state_machine = central_template.to_json()["Resources"][logical_id(central.state_machine)]["Properties"]

    assert state_machine["DefinitionSubstitutions"] == {
        placeholder: {"Fn::GetAtt": [logical_id(central.functions[key]), "Arn"]}
        for placeholder, key in statemachine.PLACEHOLDERS.items()
    }
    assert state_machine["StateMachineType"] == "STANDARD"
    assert state_machine["TracingConfiguration"] == {"Enabled": True}


def test_state_machine_logs_every_event_but_no_execution_data(central_template: Template) -> None:
    central_template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": False})},
    )


def test_state_machine_may_invoke_exactly_the_five_workflow_functions(
    central: CentralStack, central_template: Template
) -> None:
    state_machine_role = logical_id(central.state_machine.role)
    invoked = resources_for(central_template, state_machine_role, "lambda:InvokeFunction")

    functions = {f"<{logical_id(central.functions[key])}.Arn>" for key in WORKFLOW_FUNCTIONS}
    assert invoked == functions | {f"{function}:*" for function in functions}
    assert {
        action for action in actions_of(central_template, state_machine_role) if action.startswith("lambda:")
    } == {"lambda:InvokeFunction"}


def test_only_the_decision_and_portal_functions_may_answer_tasks_and_only_on_the_state_machine(
    central: CentralStack, central_template: Template
) -> None:
    state_machine = f"<{logical_id(central.state_machine)}>"
    deciders = ("decision_api", "portal")
    for key in statemachine.FUNCTIONS_BY_KEY:
        for action in ("states:SendTaskSuccess", "states:SendTaskFailure"):
            answered = resources_for(central_template, role_id(central, key), action)
            assert answered == ({state_machine} if key in deciders else set()), (key, action)
    decision_actions = actions_of(central_template, role_id(central, "decision_api"))
    assert {action for action in decision_actions if action.startswith("states:")} == {
        "states:SendTaskSuccess",
        "states:SendTaskFailure",
        "states:SendTaskHeartbeat",
    }


# --- the decision API ------------------------------------------------------------------------


def test_decision_api_default_stage_is_throttled_and_access_logged(central_template: Template) -> None:
    central_template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "AutoDeploy": True,
            "DefaultRouteSettings": {"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10},
            "AccessLogSettings": {"DestinationArn": Match.any_value(), "Format": Match.any_value()},
        },
    )


def test_access_logs_never_record_the_link_secret(central_template: Template) -> None:
    # The secret travels in the link's query string; the route key and status are enough to debug.
    (stage,) = central_template.find_resources("AWS::ApiGatewayV2::Stage").values()
    log_format = stage["Properties"]["AccessLogSettings"]["Format"]

    assert "$context.routeKey" in log_format
    for leaks in ("$context.path", "querystring", "$context.requestOverride", "$input"):
        assert leaks not in log_format


def test_the_links_are_served_by_the_decision_function_and_authorized_by_their_secret(
    central: CentralStack, central_template: Template
) -> None:
    integrations = central_template.find_resources(
        "AWS::ApiGatewayV2::Integration",
        {
            "Properties": {
                "IntegrationUri": {"Fn::GetAtt": [logical_id(central.functions["decision_api"]), "Arn"]}
            }
        },
    )
    assert len(integrations) == 1
    (integration_id,) = integrations
    # The portal's routes (tests/infra/test_portal.py) share the API.
    routes = [
        route
        for route in central_template.find_resources("AWS::ApiGatewayV2::Route").values()
        if not route["Properties"]["RouteKey"].split(" ")[1].startswith("/portal")
    ]

    # The handler checks each link's secret; owners deciding by AWS identity use the function URL.
    assert {
        route["Properties"]["RouteKey"]: route["Properties"]["AuthorizationType"] for route in routes
    } == {"GET /requests/{request_id}": "NONE", "POST /requests/{request_id}": "NONE"}
    for route in routes:
        assert render(route["Properties"]["Target"]) == f"integrations/<{integration_id}>"


def test_owners_decide_through_an_iam_function_url_open_only_to_the_producer_accounts(
    central: CentralStack, central_template: Template
) -> None:
    decision_function = {"Fn::GetAtt": [logical_id(central.functions["decision_api"]), "Arn"]}
    central_template.has_resource_properties(
        "AWS::Lambda::Url", {"TargetFunctionArn": decision_function, "AuthType": "AWS_IAM"}
    )
    url_permissions = central_template.find_resources(
        "AWS::Lambda::Permission",
        {"Properties": {"FunctionName": decision_function, "Action": "lambda:InvokeFunctionUrl"}},
    ).values()
    assert [
        (permission["Properties"]["Principal"], permission["Properties"]["FunctionUrlAuthType"])
        for permission in url_permissions
    ] == [(PRODUCER_ACCOUNT, "AWS_IAM")]


def test_api_gateway_may_invoke_the_decision_function_only_for_the_link_routes(
    central: CentralStack, central_template: Template
) -> None:
    decision_function = {"Fn::GetAtt": [logical_id(central.functions["decision_api"]), "Arn"]}
    permissions = central_template.find_resources(
        "AWS::Lambda::Permission",
        {"Properties": {"FunctionName": decision_function, "Principal": "apigateway.amazonaws.com"}},
    ).values()
    api = logical_id(central.http_api)

    assert {render(permission["Properties"]["SourceArn"]) for permission in permissions} == {
        f"arn:aws:execute-api:eu-west-1:999999999999:<{api}>/*/*/requests/{{request_id}}",
    }


# --- where the CLI finds everything ------------------------------------------------------------


def test_central_settings_parameter_names_every_central_resource_the_cli_needs(
    central: CentralStack, central_template: Template
) -> None:
    parameters = central_template.find_resources(
        "AWS::SSM::Parameter", {"Properties": {"Name": statemachine.CENTRAL_SETTINGS_PARAMETER}}
    )
    assert len(parameters) == 1
    (parameter,) = parameters.values()
    settings = json.loads(render(parameter["Properties"]["Value"]))
    (function_url_id,) = central_template.find_resources("AWS::Lambda::Url")

    assert parameter["Properties"]["Type"] == "String"
    assert tuple(settings) == statemachine.CENTRAL_SETTINGS_KEYS
    assert settings == {
        "state_machine_arn": f"<{logical_id(central.state_machine)}>",
        "ledger_table": f"<{logical_id(central.table)}>",
        "decision_api_url": f"<{logical_id(central.http_api)}.ApiEndpoint>",
        "owner_decision_url": f"<{function_url_id}.FunctionUrl>",
        "notification_topic_arn": f"<{logical_id(central.topic)}>",
        "user_role_prefix": "lakegate-user-",
    }


def test_outputs_name_what_operators_and_producers_need(central_template: Template) -> None:
    outputs = central_template.to_json()["Outputs"]

    assert {
        "StateMachineArn",
        "LedgerTableName",
        "NotificationTopicArn",
        "DecisionApiUrl",
        "ApprovalPublisherRoleArn",
        "GrantRoleArn",
        "SettingsParameterName",
        "AuditRoleArn",
    } <= set(outputs)


def test_only_the_revoke_function_may_revoke_and_only_the_decision_function_may_ask_it(
    central: CentralStack, central_template: Template
) -> None:
    revoke = role_id(central, "revoke_access")
    revoke_lake_formation = {
        a for a in actions_of(central_template, revoke) if a.startswith("lakeformation:")
    }
    assert revoke_lake_formation == {
        "lakeformation:RevokePermissions",
        "lakeformation:BatchRevokePermissions",
    }
    revoke_arn = f"<{logical_id(central.functions['revoke_access'])}.Arn>"
    may_invoke = {
        key
        for key in statemachine.FUNCTIONS_BY_KEY
        if revoke_arn in resources_for(central_template, role_id(central, key), "lambda:InvokeFunction")
    }
    assert may_invoke == {"decision_api"}
    (decision,) = central_template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "handlers.decision_api.handler"}}
    ).values()
    assert decision["Properties"]["Environment"]["Variables"]["REVOKE_FUNCTION_NAME"] == {
        "Ref": logical_id(central.functions["revoke_access"])
    }


# --- time-bound access -----------------------------------------------------------------------


def test_the_expiry_state_machine_invokes_the_revoke_function_and_logs_like_the_workflow(
    central: CentralStack, central_template: Template
) -> None:
    resources = central_template.to_json()["Resources"]
    expiry = resources[logical_id(central.expiry_state_machine)]["Properties"]

    assert expiry["DefinitionSubstitutions"] == {
        "RevokeAccessFunctionArn": {"Fn::GetAtt": [logical_id(central.functions["revoke_access"]), "Arn"]}
    }
    assert expiry["StateMachineType"] == "STANDARD"
    assert expiry["TracingConfiguration"] == {"Enabled": True}
    logging = expiry["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", False)
    log_group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert "AccessExpiry" in render(resources[log_group]["Properties"]["LogGroupName"])


def test_the_expiry_state_machine_may_invoke_only_the_revoke_function(
    central: CentralStack, central_template: Template
) -> None:
    expiry_role = logical_id(central.expiry_state_machine.role)
    revoke = f"<{logical_id(central.functions['revoke_access'])}.Arn>"

    assert resources_for(central_template, expiry_role, "lambda:InvokeFunction") == {revoke, f"{revoke}:*"}
    assert {a for a in actions_of(central_template, expiry_role) if a.startswith("lambda:")} == {
        "lambda:InvokeFunction"
    }


def test_only_grant_access_may_start_expiry_executions_and_only_on_the_expiry_state_machine(
    central: CentralStack, central_template: Template
) -> None:
    expiry = f"<{logical_id(central.expiry_state_machine)}>"
    reminder = render(central.resolve(central.reminder_state_machine_arn))
    for key in statemachine.FUNCTIONS_BY_KEY:
        started = resources_for(central_template, role_id(central, key), "states:StartExecution")
        expected = {
            "grant_access": {expiry},
            "request_approval": {reminder},
            # The portal starts access requests, as `lakegate request` does.
            "portal": {f"<{logical_id(central.state_machine)}>"},
        }.get(key, set())
        assert started == expected
    grant_states = {
        a for a in actions_of(central_template, role_id(central, "grant_access")) if a.startswith("states:")
    }
    assert grant_states == {"states:StartExecution"}


def test_grant_access_knows_the_expiry_state_machine_and_a_day_is_a_real_day(
    central: CentralStack, central_template: Template
) -> None:
    grant = function_properties(central_template, central, "grant_access")["Environment"]["Variables"]
    assert grant["EXPIRY_STATE_MACHINE_ARN"] == {"Ref": logical_id(central.expiry_state_machine)}
    assert grant["ACCESS_DAY_SECONDS"] == "86400"
    approval = function_properties(central_template, central, "request_approval")["Environment"]["Variables"]
    assert approval["ACCESS_DAY_SECONDS"] == "86400"


# --- approver reminder -----------------------------------------------------------------------


def test_the_reminder_state_machine_invokes_request_approval_and_logs_like_the_workflow(
    central: CentralStack, central_template: Template
) -> None:
    resources = central_template.to_json()["Resources"]
    reminder = resources[logical_id(central.reminder_state_machine)]["Properties"]

    assert reminder["DefinitionSubstitutions"] == {
        "RequestApprovalFunctionArn": {
            "Fn::GetAtt": [logical_id(central.functions["request_approval"]), "Arn"]
        }
    }
    assert reminder["StateMachineType"] == "STANDARD"
    assert reminder["TracingConfiguration"] == {"Enabled": True}
    logging = reminder["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", False)
    log_group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert "ApprovalReminder" in render(resources[log_group]["Properties"]["LogGroupName"])


def test_the_reminder_state_machine_may_invoke_only_request_approval(
    central: CentralStack, central_template: Template
) -> None:
    reminder_role = logical_id(central.reminder_state_machine.role)
    approval = f"<{logical_id(central.functions['request_approval'])}.Arn>"

    assert resources_for(central_template, reminder_role, "lambda:InvokeFunction") == {
        approval,
        f"{approval}:*",
    }
    assert {a for a in actions_of(central_template, reminder_role) if a.startswith("lambda:")} == {
        "lambda:InvokeFunction"
    }


def test_request_approval_knows_the_reminder_state_machine_by_its_fixed_name_and_the_period(
    central: CentralStack, central_template: Template
) -> None:
    resources = central_template.to_json()["Resources"]
    name = resources[logical_id(central.reminder_state_machine)]["Properties"]["StateMachineName"]
    approval = function_properties(central_template, central, "request_approval")["Environment"]["Variables"]

    assert name == f"{central.stack_name}-ApprovalReminder"
    arn = render(approval["REMINDER_STATE_MACHINE_ARN"])
    assert arn.endswith(f":states:eu-west-1:999999999999:stateMachine:{name}")
    assert approval["APPROVAL_REMINDER_SECONDS"] == str(24 * 3600)
    approval_role = role_id(central, "request_approval")
    states = {a for a in actions_of(central_template, approval_role) if a.startswith("states:")}
    assert states == {"states:StartExecution"}
