"""The status-event bus: named for other teams' rules, written only by the functions that write the ledger."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from lakegate.core import manifest
from tests.infra.cfn import EVENT_BUS, actions_of, function_path, resources_for, role_id, statements
from tests.infra.synth import SynthesizedStack

pytestmark = pytest.mark.infra

PUBLISHERS = sorted(
    key for key, spec in manifest.FUNCTIONS_BY_KEY.items() if manifest.EVENT_BUS_NAME in spec.environment
)


def test_the_bus_has_the_configured_name_and_both_outputs(central: SynthesizedStack) -> None:
    bus_id = central.id(EVENT_BUS)
    bus = central.resources[bus_id]

    assert bus["Type"] == "AWS::Events::EventBus"
    assert bus["Properties"]["Name"] == "lakegate"
    outputs = central.document["Outputs"]
    assert outputs["EventBusName"]["Value"] == {"Ref": bus_id}
    assert outputs["EventBusArn"]["Value"] == {"Fn::GetAtt": [bus_id, "Arn"]}


def test_each_publishing_function_is_told_the_bus_and_may_put_events_on_it_only(
    central: SynthesizedStack,
) -> None:
    bus_id = central.id(EVENT_BUS)
    for key in PUBLISHERS:
        function = central.properties(function_path(key))
        role = role_id(central, key)

        assert function["Environment"]["Variables"][manifest.EVENT_BUS_NAME] == {"Ref": bus_id}
        assert resources_for(central, role, "events:PutEvents") == {f"<{bus_id}.Arn>"}
        assert {action for action in actions_of(central, role) if action.startswith("events:")} == {
            "events:PutEvents"
        }


def test_nothing_else_may_put_events_and_the_bus_admits_no_other_account(
    central: SynthesizedStack, central_template: Template
) -> None:
    publisher_roles = {role_id(central, key) for key in PUBLISHERS}
    for roles, statement in statements(central):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if any(action.startswith("events:") for action in actions):
            assert set(roles) <= publisher_roles, statement
    assert central_template.find_resources("AWS::Events::EventBusPolicy") == {}
    assert "Policy" not in central.resources[central.id(EVENT_BUS)]["Properties"]
