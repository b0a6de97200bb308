"""The deploy path: the pinned CDK CLI synthesizes every documented shape and refuses what cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.app_factory import (
    CENTRAL_STACK,
    CONSUMER_STACK,
    PRODUCER_STACK,
    UnsupportedEnvironment,
    check_region,
)
from tests.infra.app_context import FULL, MINIMAL
from tests.infra.readme_commands import deploy_commands, readme_variants, variant_of
from tests.infra.synth import Assembly, SynthError, cli_synth

pytestmark = pytest.mark.infra

ALL_STACKS = [CENTRAL_STACK, CONSUMER_STACK, PRODUCER_STACK]


def test_every_variant_synthesizes_all_three_stacks_for_its_own_account_and_region(
    assemblies: dict[str, Assembly],
) -> None:
    for assembly in assemblies.values():
        assert assembly.stack_names() == ALL_STACKS, assembly.variant.name
        manifest = (assembly.directory / "manifest.json").read_text(encoding="utf-8")
        assert f"aws://{assembly.variant.account}/{assembly.variant.region}" in manifest, (
            assembly.variant.name
        )


def test_the_variants_cover_two_regions_and_every_optional_part_on_and_off() -> None:
    assert FULL.region == "us-east-1" and MINIMAL.region != "us-east-1"
    on, off = FULL.context, MINIMAL.context
    assert on.get("portal", True) is True and off["portal"] is False
    assert on["datazone_auto_approval"] and on["datazone_s3_fulfilment"] and on["user_role_prefix"]
    assert not {"datazone_auto_approval", "datazone_s3_fulfilment", "user_role_prefix"} & set(off)


def test_every_deploy_command_in_the_readme_synthesizes_the_stack_it_deploys(
    assemblies: dict[str, Assembly],
) -> None:
    commands = deploy_commands()
    variants = readme_variants()
    assert {command.stack for command in commands} == set(ALL_STACKS)

    for command in commands:
        assembly = assemblies[variant_of(command, variants).name]
        assert command.stack in assembly.stack_names(), command.line


def test_a_region_outside_the_aws_partition_stops_the_synth_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(SynthError) as failed:
        cli_synth(
            ["-c", "central_account_id=111111111111"], tmp_path, account="111111111111", region="cn-north-1"
        )

    assert "region 'cn-north-1' is in the 'aws-cn' partition; lakegate supports only 'aws'" in str(
        failed.value
    )
    assert not list(tmp_path.glob("*.template.json"))


@pytest.mark.parametrize("region", ["us-gov-west-1", "us-iso-east-1", "eu-isoe-west-1"])
def test_other_partitions_are_refused_too(region: str) -> None:
    with pytest.raises(UnsupportedEnvironment, match=f"region '{region}' is in the 'aws-"):
        check_region(region)


def test_a_region_the_cdk_does_not_know_is_refused_rather_than_guessed() -> None:
    with pytest.raises(UnsupportedEnvironment, match="cannot tell its partition"):
        check_region("xx-nowhere-1")


@pytest.mark.parametrize("region", [None, "eu-west-1", "us-east-1", "ap-southeast-2"])
def test_commercial_regions_and_an_unset_region_pass(region: str | None) -> None:
    check_region(region)
