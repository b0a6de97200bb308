"""The central stack: encryption, functions built from their specs, the workflow, least privilege."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from lakegate.core import manifest
from stacks.app_factory import CENTRAL_STACK, PRODUCER_STACK
from tests.infra.app_context import (
    CENTRAL_ACCOUNT,
    CONSUMER_ACCOUNT,
    FULL,
    PRODUCER_ACCOUNT,
    PROJECT_TOPIC_ARN,
)
from tests.infra.cfn import (
    EXPIRY_STATE_MACHINE,
    HTTP_API,
    KEY,
    POWERTOOLS_PARAMETERS,
    REMINDER_STATE_MACHINE,
    STATE_MACHINE,
    TABLE,
    TOPIC,
    actions_of,
    as_list,
    assert_topic_requires_tls,
    function_id,
    function_path,
    render,
    resources_for,
    resources_of_type,
    role_id,
    state_machine_role,
    statements,
    statements_of,
)
from tests.infra.synth import Assembly, SynthesizedStack

pytestmark = pytest.mark.infra

WORKFLOW_FUNCTIONS = sorted(manifest.PLACEHOLDERS.values())
# Where the FULL variant deploys the central stack, as ARNs name it.
REGION_AND_ACCOUNT = f"{FULL.region}:{CENTRAL_ACCOUNT}"


def function_properties(central: SynthesizedStack, key: str) -> Mapping[str, Any]:
    return central.properties(function_path(key))


def central_and_producer_stacks(assemblies: dict[str, Assembly], *names: str) -> list[SynthesizedStack]:
    """The stacks ``names`` (the central and producer stacks unless told) of every variant."""
    return [
        assembly.stack(name)
        for assembly in assemblies.values()
        for name in names or (CENTRAL_STACK, PRODUCER_STACK)
    ]


# --- encryption and durability ---------------------------------------------------------------


def test_ledger_is_keyed_by_request_id_encrypted_with_the_customer_key_and_recoverable(
    central: SynthesizedStack, central_template: Template
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
                    "KMSMasterKeyId": {"Fn::GetAtt": [central.id(KEY), "Arn"]},
                },
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_notification_topic_is_encrypted_with_the_customer_key_and_requires_tls(
    central: SynthesizedStack, central_template: Template
) -> None:
    topic_id = central.id(TOPIC)
    central_template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [central.id(KEY), "Arn"]}}
    )
    assert_topic_requires_tls(central_template, topic_id)


def test_every_encryption_key_rotates(assemblies: dict[str, Assembly]) -> None:
    for stack in central_and_producer_stacks(assemblies):
        keys = resources_of_type(stack, "AWS::KMS::Key").values()
        # KMS rotates symmetric encryption keys only; the requester key is an HMAC key.
        encryption = [
            key
            for key in keys
            if key["Properties"].get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        ]
        assert encryption
        assert all(key["Properties"]["EnableKeyRotation"] is True for key in encryption)


def test_only_the_portal_proves_who_asked_and_only_the_evaluation_checks_it(
    central: SynthesizedStack,
) -> None:
    key_id = central.id("RequesterKey")
    assert central.resources[key_id]["Properties"]["KeySpec"] == "HMAC_256"
    assert central.resources[key_id]["Properties"]["KeyUsage"] == "GENERATE_VERIFY_MAC"
    key = f"<{key_id}.Arn>"
    mac_actions = {
        spec.key: {
            action
            for action in actions_of(central, role_id(central, spec.key))
            if action.endswith("Mac") and key in resources_for(central, role_id(central, spec.key), action)
        }
        for spec in manifest.FUNCTIONS
    }
    assert {name: actions for name, actions in mac_actions.items() if actions} == {
        "evaluate_request": {"kms:VerifyMac"},
        "portal": {"kms:GenerateMac"},
    }


# --- functions built from their specs --------------------------------------------------------


@pytest.mark.parametrize("spec", manifest.FUNCTIONS, ids=lambda spec: spec.key)
def test_function_has_its_specs_handler_and_exactly_its_environment(
    spec: manifest.FunctionSpec, central: SynthesizedStack
) -> None:
    properties = function_properties(central, spec.key)

    assert properties["Handler"] == spec.handler
    assert set(properties["Environment"]["Variables"]) == {*spec.environment, "POWERTOOLS_SERVICE_NAME"}
    assert properties["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "lakegate"
    assert properties["Runtime"] == "python3.12"
    assert properties["Architectures"] == ["x86_64"]
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["MemorySize"] == 256
    assert properties["Timeout"] == (60 if spec.key == "grant_access" else 30)


def test_environment_values_come_from_the_right_resources(central: SynthesizedStack) -> None:
    values = {
        key: function_properties(central, key)["Environment"]["Variables"]
        for key in manifest.FUNCTIONS_BY_KEY
    }

    assert values["evaluate_request"]["LEDGER_TABLE_NAME"] == {"Ref": central.id(TABLE)}
    assert values["evaluate_request"]["APPROVAL_TIMEOUT_SECONDS"] == str(72 * 3600)
    assert values["evaluate_request"]["USER_ROLE_PREFIX"] == "lakegate-user-"
    # The mesh's members: the stack's own account and the context's lists.
    assert {key: values["evaluate_request"][key] for key in manifest.MESH_MEMBERS} == {
        "CENTRAL_ACCOUNT_ID": CENTRAL_ACCOUNT,
        "CONSUMER_ACCOUNT_IDS": CONSUMER_ACCOUNT,
        "PRODUCER_ACCOUNT_IDS": PRODUCER_ACCOUNT,
    }
    assert values["conclude_request"]["NOTIFICATION_TOPIC_ARN"] == {"Ref": central.id(TOPIC)}
    approval = values["request_approval"]
    assert approval["DECISION_BASE_URL"] == {"Fn::GetAtt": [central.id(HTTP_API), "ApiEndpoint"]}
    assert approval["PRODUCER_ROLE_NAME"] == "ProducerWorkflowRole"
    assert approval["PRODUCER_TOPIC_NAME"] == "DataLakeSharingApproval"


def test_functions_use_the_powertools_layer_from_aws_public_parameter(central: SynthesizedStack) -> None:
    parameters = central.document["Parameters"]
    layer_parameters = [
        name
        for name, parameter in parameters.items()
        if str(parameter["Default"]).startswith(POWERTOOLS_PARAMETERS)
    ]
    assert len(layer_parameters) == 1
    for key in manifest.FUNCTIONS_BY_KEY:
        assert function_properties(central, key)["Layers"] == [{"Ref": layer_parameters[0]}]


def test_each_function_has_its_own_role_without_managed_policies(
    central: SynthesizedStack, central_template: Template
) -> None:
    roles = {key: function_properties(central, key)["Role"] for key in manifest.FUNCTIONS_BY_KEY}

    assert len({render(role, central) for role in roles.values()}) == len(roles)
    for role in central_template.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_each_function_writes_only_to_its_own_log_group(central: SynthesizedStack) -> None:
    resources = central.resources
    for key in manifest.FUNCTIONS_BY_KEY:
        log_group = function_properties(central, key)["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[log_group]["Properties"]["RetentionInDays"] == 90
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert resources_for(central, role_id(central, key), action) == {f"<{log_group}.Arn>"}


# --- least privilege -------------------------------------------------------------------------


def test_no_statement_allows_every_action_of_a_service(assemblies: dict[str, Assembly]) -> None:
    for stack in central_and_producer_stacks(assemblies):
        for _, statement in statements(stack):
            for action in as_list(statement["Action"]):
                assert action != "*"
                assert not action.endswith(":*"), action


def test_assume_role_is_never_granted_on_every_resource(assemblies: dict[str, Assembly]) -> None:
    for central in central_and_producer_stacks(assemblies, CENTRAL_STACK):
        for _, statement in statements(central):
            if "sts:AssumeRole" in as_list(statement["Action"]):
                assert "*" not in as_list(statement["Resource"])


def test_only_actions_without_resource_level_permissions_are_granted_on_every_resource(
    assemblies: dict[str, Assembly],
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
        "ram:CreateResourceShare",
        "ram:GetResourceShares",
        "ram:GetResourceShareAssociations",
        "organizations:DescribeOrganization",
        "organizations:DescribeAccount",
        # The audit role's reads (stacks/audit_role.py).
        "cloudtrail:LookupEvents",
        "lakeformation:ListPermissions",
        # The SageMaker Catalog bridge's DataZone subscription calls: the Service Authorization Reference
        # lists no resource type for them (stacks/datazone_bridge.py).
        "datazone:GetSubscriptionRequestDetails",
        "datazone:AcceptSubscriptionRequest",
        "datazone:RejectSubscriptionRequest",
        "datazone:GetSubscription",
        "datazone:ListSubscriptionGrants",
        "datazone:GetSubscriptionGrant",
        "datazone:GetSubscriptionTarget",
        "datazone:ListEnvironments",
        "datazone:UpdateSubscriptionGrantStatus",
    }
    for stack in central_and_producer_stacks(assemblies):
        for _, statement in statements(stack):
            if "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= allowed, statement


def test_the_approval_publisher_may_assume_only_the_listed_producers_role(central: SynthesizedStack) -> None:
    publisher = role_id(central, "request_approval")

    assert resources_for(central, publisher, "sts:AssumeRole") == {
        f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/ProducerWorkflowRole"
    }
    assert central.resources[publisher]["Properties"]["RoleName"] == "LakegateApprovalPublisher"
    for key in manifest.FUNCTIONS_BY_KEY.keys() - {"request_approval"}:
        assert "sts:AssumeRole" not in actions_of(central, role_id(central, key))


def test_evaluate_request_reads_the_catalog_and_nothing_more_of_glue(central: SynthesizedStack) -> None:
    evaluate = role_id(central, "evaluate_request")
    catalog = f"arn:aws:glue:{REGION_AND_ACCOUNT}:"

    assert {action for action in actions_of(central, evaluate) if action.startswith("glue:")} == {
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetTables",
    }
    assert resources_for(central, evaluate, "glue:GetTables") == {
        f"{catalog}catalog",
        f"{catalog}database/*",
        f"{catalog}table/*/*",
    }


def test_grant_access_may_grant_and_revoke_but_not_read_data(central: SynthesizedStack) -> None:
    grant = role_id(central, "grant_access")
    actions = actions_of(central, grant)

    # One grant or revoke per call (revoking undoes a half-made grant); the code never batches.
    assert {action for action in actions if action.startswith("lakeformation:")} == {
        "lakeformation:GrantPermissions",
        "lakeformation:RevokePermissions",
    }
    assert {
        "glue:GetDatabase",
        "glue:GetTable",
        "ram:CreateResourceShare",
        "glue:PutResourcePolicy",
    } <= actions
    manage_shares = [
        statement
        for statement in statements_of(central, grant)
        if "ram:AssociateResourceShare" in as_list(statement["Action"])
    ]
    assert [statement["Condition"] for statement in manage_shares] == [
        {"StringLike": {"ram:ResourceShareName": ["LakeFormation*"]}}
    ]
    assert resources_for(central, grant, "glue:PutResourcePolicy") == {
        f"arn:aws:glue:{REGION_AND_ACCOUNT}:catalog"
    }


def test_only_the_concluding_and_revoking_functions_may_publish_to_consumers(
    central: SynthesizedStack,
) -> None:
    topic = f"<{central.id(TOPIC)}>"
    for key in manifest.FUNCTIONS_BY_KEY:
        published = resources_for(central, role_id(central, key), "sns:Publish")
        notifies = key in ("conclude_request", "record_failure", "revoke_access")
        assert published == ({topic} if notifies else set())


def test_functions_may_read_and_update_single_ledger_items_only_evaluation_creates_and_few_scan(
    central: SynthesizedStack,
) -> None:
    table = f"<{central.id(TABLE)}.Arn>"
    for key in manifest.FUNCTIONS_BY_KEY:
        dynamodb_actions = {
            a for a in actions_of(central, role_id(central, key)) if a.startswith("dynamodb:")
        }
        # Only evaluate_request creates a request; the portal lists them (the workflow it starts creates);
        # granting and revoking look for other granted requests holding the same permissions.
        scans = {"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"}
        expected = {
            "portal": scans,
            "grant_access": scans,
            "revoke_access": scans,
            "evaluate_request": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
        }.get(key, {"dynamodb:GetItem", "dynamodb:UpdateItem"})
        assert dynamodb_actions == expected, key
        for action in dynamodb_actions:
            assert resources_for(central, role_id(central, key), action) == {table}


# --- the workflow ----------------------------------------------------------------------------


def test_state_machine_substitutes_every_placeholder_with_its_functions_arn(
    central: SynthesizedStack,
) -> None:
    state_machine = central.properties(STATE_MACHINE)

    assert state_machine["DefinitionSubstitutions"] == {
        placeholder: {"Fn::GetAtt": [function_id(central, key), "Arn"]}
        for placeholder, key in manifest.PLACEHOLDERS.items()
    }
    assert state_machine["StateMachineType"] == "STANDARD"
    assert state_machine["TracingConfiguration"] == {"Enabled": True}


def test_state_machine_logs_every_event_but_no_execution_data(central_template: Template) -> None:
    central_template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": False})},
    )


def test_state_machine_may_invoke_exactly_the_five_workflow_functions(central: SynthesizedStack) -> None:
    role = central.id(state_machine_role(STATE_MACHINE))
    invoked = resources_for(central, role, "lambda:InvokeFunction")

    functions = {f"<{function_id(central, key)}.Arn>" for key in WORKFLOW_FUNCTIONS}
    assert invoked == functions | {f"{function}:*" for function in functions}
    assert {action for action in actions_of(central, role) if action.startswith("lambda:")} == {
        "lambda:InvokeFunction"
    }


def test_only_the_decision_and_portal_functions_may_answer_tasks_and_only_on_the_state_machine(
    central: SynthesizedStack,
) -> None:
    state_machine = f"<{central.id(STATE_MACHINE)}>"
    deciders = ("decision_api", "portal")
    for key in manifest.FUNCTIONS_BY_KEY:
        answered = resources_for(central, role_id(central, key), "states:SendTaskSuccess")
        assert answered == ({state_machine} if key in deciders else set()), key
    # Approve and deny are both the waiting task's output: nothing fails a task or beats.
    decision_actions = actions_of(central, role_id(central, "decision_api"))
    assert {action for action in decision_actions if action.startswith("states:")} == {
        "states:SendTaskSuccess"
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
    central: SynthesizedStack, central_template: Template
) -> None:
    integrations = central_template.find_resources(
        "AWS::ApiGatewayV2::Integration",
        {"Properties": {"IntegrationUri": {"Fn::GetAtt": [function_id(central, "decision_api"), "Arn"]}}},
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
    } == {
        "GET /requests/{request_id}": "NONE",
        "POST /requests/{request_id}": "NONE",
        "GET /assets/{file}": "NONE",
    }
    for route in routes:
        assert render(route["Properties"]["Target"], central) == f"integrations/<{integration_id}>"


def test_owners_decide_through_an_iam_function_url_open_only_to_the_producer_accounts(
    central: SynthesizedStack, central_template: Template
) -> None:
    decision_function = {"Fn::GetAtt": [function_id(central, "decision_api"), "Arn"]}
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


def test_api_gateway_may_invoke_the_decision_function_only_for_the_link_and_stylesheet_routes(
    central: SynthesizedStack, central_template: Template
) -> None:
    decision_function = {"Fn::GetAtt": [function_id(central, "decision_api"), "Arn"]}
    permissions = central_template.find_resources(
        "AWS::Lambda::Permission",
        {"Properties": {"FunctionName": decision_function, "Principal": "apigateway.amazonaws.com"}},
    ).values()
    api = central.id(HTTP_API)

    assert {render(permission["Properties"]["SourceArn"], central) for permission in permissions} == {
        f"arn:aws:execute-api:{REGION_AND_ACCOUNT}:<{api}>/*/*/requests/{{request_id}}",
        f"arn:aws:execute-api:{REGION_AND_ACCOUNT}:<{api}>/*/*/assets/{{file}}",
    }


# --- where the CLI finds everything ------------------------------------------------------------


def test_central_settings_parameter_names_every_central_resource_the_cli_needs(
    central: SynthesizedStack, central_template: Template
) -> None:
    parameters = central_template.find_resources(
        "AWS::SSM::Parameter", {"Properties": {"Name": manifest.CENTRAL_SETTINGS_PARAMETER}}
    )
    assert len(parameters) == 1
    (parameter,) = parameters.values()
    settings = json.loads(render(parameter["Properties"]["Value"], central))
    (function_url_id,) = central_template.find_resources("AWS::Lambda::Url")

    assert parameter["Properties"]["Type"] == "String"
    assert tuple(settings) == manifest.CENTRAL_SETTINGS_KEYS
    assert settings == {
        "state_machine_arn": f"<{central.id(STATE_MACHINE)}>",
        "ledger_table": f"<{central.id(TABLE)}>",
        "decision_api_url": f"<{central.id(HTTP_API)}.ApiEndpoint>",
        "owner_decision_url": f"<{function_url_id}.FunctionUrl>",
        "notification_topic_arn": f"<{central.id(TOPIC)}>",
        "user_role_prefix": "lakegate-user-",
    }


def test_outputs_name_what_operators_and_producers_need(central: SynthesizedStack) -> None:
    outputs = central.document["Outputs"]

    assert {
        "StateMachineArn",
        "LedgerTableName",
        "NotificationTopicArn",
        "DecisionApiUrl",
        "ApprovalPublisherRoleArn",
        "GrantRoleArn",
        "SettingsParameterName",
        "AuditRoleArn",
        "RevokeRoleArn",
    } <= set(outputs)


def test_the_roles_to_make_lake_formation_administrators_are_the_grant_and_revoke_functions(
    central: SynthesizedStack,
) -> None:
    outputs = central.document["Outputs"]

    # `lakegate doctor` reads these two outputs to check the administrators.
    assert outputs["GrantRoleArn"]["Value"] == {"Fn::GetAtt": [role_id(central, "grant_access"), "Arn"]}
    assert outputs["RevokeRoleArn"]["Value"] == {"Fn::GetAtt": [role_id(central, "revoke_access"), "Arn"]}


def test_only_the_decision_function_may_ask_the_revoke_function_which_may_also_grant_again(
    central: SynthesizedStack, central_template: Template
) -> None:
    revoke = role_id(central, "revoke_access")
    revoke_lake_formation = {a for a in actions_of(central, revoke) if a.startswith("lakeformation:")}
    # Granting again what a request sharing the permission was granted while it revoked.
    assert revoke_lake_formation == {"lakeformation:GrantPermissions", "lakeformation:RevokePermissions"}
    revoke_arn = f"<{function_id(central, 'revoke_access')}.Arn>"
    may_invoke = {
        key
        for key in manifest.FUNCTIONS_BY_KEY
        if revoke_arn in resources_for(central, role_id(central, key), "lambda:InvokeFunction")
    }
    assert may_invoke == {"decision_api"}
    (decision,) = central_template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "lakegate.handlers.decision_api.handler"}}
    ).values()
    assert decision["Properties"]["Environment"]["Variables"]["REVOKE_FUNCTION_NAME"] == {
        "Ref": function_id(central, "revoke_access")
    }


# --- time-bound access -----------------------------------------------------------------------


def test_the_expiry_state_machine_invokes_the_revoke_function_and_logs_like_the_workflow(
    central: SynthesizedStack,
) -> None:
    resources = central.resources
    expiry = resources[central.id(EXPIRY_STATE_MACHINE)]["Properties"]

    assert expiry["DefinitionSubstitutions"] == {
        "RevokeAccessFunctionArn": {"Fn::GetAtt": [function_id(central, "revoke_access"), "Arn"]}
    }
    assert expiry["StateMachineType"] == "STANDARD"
    assert expiry["TracingConfiguration"] == {"Enabled": True}
    logging = expiry["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", False)
    log_group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert "AccessExpiry" in render(resources[log_group]["Properties"]["LogGroupName"], central)


def test_the_expiry_state_machine_may_invoke_only_the_revoke_function(central: SynthesizedStack) -> None:
    expiry_role = central.id(state_machine_role(EXPIRY_STATE_MACHINE))
    revoke = f"<{function_id(central, 'revoke_access')}.Arn>"

    assert resources_for(central, expiry_role, "lambda:InvokeFunction") == {revoke, f"{revoke}:*"}
    assert {a for a in actions_of(central, expiry_role) if a.startswith("lambda:")} == {
        "lambda:InvokeFunction"
    }


def test_only_grant_access_may_start_expiry_executions_and_only_on_the_expiry_state_machine(
    central: SynthesizedStack,
) -> None:
    expiry = f"<{central.id(EXPIRY_STATE_MACHINE)}>"
    reminder = f"arn:aws:states:{REGION_AND_ACCOUNT}:stateMachine:{central.name}-ApprovalReminder"
    for key in manifest.FUNCTIONS_BY_KEY:
        started = resources_for(central, role_id(central, key), "states:StartExecution")
        expected = {
            "grant_access": {expiry},
            "request_approval": {reminder},
            # The portal starts access requests, as `lakegate request` does.
            "portal": {f"<{central.id(STATE_MACHINE)}>"},
        }.get(key, set())
        assert started == expected
    grant_states = {
        a for a in actions_of(central, role_id(central, "grant_access")) if a.startswith("states:")
    }
    assert grant_states == {"states:StartExecution"}


def test_grant_access_knows_the_expiry_state_machine_and_a_day_is_a_real_day(
    central: SynthesizedStack,
) -> None:
    grant = function_properties(central, "grant_access")["Environment"]["Variables"]
    assert grant["EXPIRY_STATE_MACHINE_ARN"] == {"Ref": central.id(EXPIRY_STATE_MACHINE)}
    assert grant["ACCESS_DAY_SECONDS"] == "86400"
    approval = function_properties(central, "request_approval")["Environment"]["Variables"]
    assert approval["ACCESS_DAY_SECONDS"] == "86400"


# --- approver reminder -----------------------------------------------------------------------


def test_the_reminder_state_machine_invokes_request_approval_and_logs_like_the_workflow(
    central: SynthesizedStack,
) -> None:
    resources = central.resources
    reminder = resources[central.id(REMINDER_STATE_MACHINE)]["Properties"]

    assert reminder["DefinitionSubstitutions"] == {
        "RequestApprovalFunctionArn": {"Fn::GetAtt": [function_id(central, "request_approval"), "Arn"]}
    }
    assert reminder["StateMachineType"] == "STANDARD"
    assert reminder["TracingConfiguration"] == {"Enabled": True}
    logging = reminder["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", False)
    log_group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert "ApprovalReminder" in render(resources[log_group]["Properties"]["LogGroupName"], central)


def test_the_reminder_state_machine_may_invoke_only_request_approval(central: SynthesizedStack) -> None:
    reminder_role = central.id(state_machine_role(REMINDER_STATE_MACHINE))
    approval = f"<{function_id(central, 'request_approval')}.Arn>"

    assert resources_for(central, reminder_role, "lambda:InvokeFunction") == {
        approval,
        f"{approval}:*",
    }
    assert {a for a in actions_of(central, reminder_role) if a.startswith("lambda:")} == {
        "lambda:InvokeFunction"
    }


def test_request_approval_knows_the_reminder_state_machine_by_its_fixed_name_and_the_period(
    central: SynthesizedStack,
) -> None:
    resources = central.resources
    name = resources[central.id(REMINDER_STATE_MACHINE)]["Properties"]["StateMachineName"]
    approval = function_properties(central, "request_approval")["Environment"]["Variables"]

    assert name == f"{central.name}-ApprovalReminder"
    arn = render(approval["REMINDER_STATE_MACHINE_ARN"], central)
    assert arn.endswith(f":states:{REGION_AND_ACCOUNT}:stateMachine:{name}")
    assert approval["APPROVAL_REMINDER_SECONDS"] == str(24 * 3600)
    approval_role = role_id(central, "request_approval")
    states = {a for a in actions_of(central, approval_role) if a.startswith("states:")}
    assert states == {"states:StartExecution"}


# --- every variant's own environment -----------------------------------------------------------

# Any region name, as ARNs and service endpoints spell it (us-east-1, eu-central-2, ap-southeast-4, ...).
REGION_NAME = re.compile(r"(?<![a-z0-9-])[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d(?!\d)")


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a template value, however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def test_arns_built_from_the_env_name_each_variants_own_region_and_account(
    assemblies: dict[str, Assembly],
) -> None:
    for assembly in assemblies.values():
        central = assembly.stack(CENTRAL_STACK)
        variant = central.variant
        reminder = (
            f"arn:aws:states:{variant.region}:{variant.account}:stateMachine:{central.name}-ApprovalReminder"
        )
        approval = function_properties(central, "request_approval")["Environment"]["Variables"]

        # Literal, as format_arn writes it when the stack's env is set: no pseudo parameter to fill.
        assert approval["REMINDER_STATE_MACHINE_ARN"] == reminder, variant.name
        assert resources_for(central, role_id(central, "request_approval"), "states:StartExecution") == {
            reminder
        }, variant.name


def test_no_template_names_a_region_other_than_its_variants(assemblies: dict[str, Assembly]) -> None:
    for assembly in assemblies.values():
        for name in assembly.stack_names():
            stack = assembly.stack(name)
            # The FULL variant's rules name a producer project's topic in another region on purpose.
            texts = [
                text.replace(PROJECT_TOPIC_ARN, "")
                for text in strings_in({key: stack.document.get(key) for key in ("Resources", "Outputs")})
            ]
            regions = {region for text in texts for region in REGION_NAME.findall(text)}
            assert regions <= {stack.variant.region}, (assembly.variant.name, name)
