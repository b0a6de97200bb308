"""`lakegate doctor`: the Lake Formation prerequisites, read back on moto as a deploying admin sees them.

moto 5.2.5 keeps Lake Formation's data lake settings as they are put (admins, defaults, Parameters),
lists permissions and registered locations, and answers CloudFormation's DescribeStacks with a stack's
outputs. It does not enforce IAM, so the refusals come from botocore's Stubber on the refusing client.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lakegate.core import manifest
from lakegate_cli import doctor
from lakegate_cli.connection import Connection
from lakegate_offline.mesh import CENTRAL_ACCOUNT, PRODUCER_ACCOUNT, REGION
from tests.cli.conftest import Cli, CliResult

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

GRANT_ROLE = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/LakegateCentral-FunctionsGrantAccessRole1A2B3C4D"
REVOKE_ROLE = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/LakegateCentral-FunctionsRevokeAccessRole5E6F7A8B"
IAM_ONLY = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]
ADMIN_FIX = (
    "fix: in the Lake Formation console, Administrative roles and tasks → Data lake administrators → Add"
)
CHECKS = [
    "settings",
    "grant_role",
    "revoke_role",
    "cross_account_version",
    "default_permissions",
    "data_owner",
    "database_defaults",
    "data_locations",
]


def publish_settings() -> None:
    """The central settings parameter, as the stack writes it."""
    settings = {
        "state_machine_arn": f"arn:aws:states:{REGION}:{CENTRAL_ACCOUNT}:stateMachine:lakegate",
        "ledger_table": "lakegate-ledger",
        "decision_api_url": "https://links.example",
        "owner_decision_url": "https://owner.example",
        "notification_topic_arn": f"arn:aws:sns:{REGION}:{CENTRAL_ACCOUNT}:lakegate-consumer-notifications",
        "user_role_prefix": "",
    }
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=manifest.CENTRAL_SETTINGS_PARAMETER, Type="String", Value=json.dumps(settings)
    )


def deploy_stack(outputs: Mapping[str, str]) -> None:
    """A stand-in for the central stack: what doctor reads of it is its outputs."""
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=doctor.CENTRAL_STACK, TemplateBody=json.dumps(template)
    )


def set_lake_formation(**changes: Any) -> None:
    """Lake Formation's settings as lakegate needs them, with ``changes`` made."""
    settings = {
        "DataLakeAdmins": [{"DataLakePrincipalIdentifier": arn} for arn in (GRANT_ROLE, REVOKE_ROLE)],
        "CreateDatabaseDefaultPermissions": [],
        "CreateTableDefaultPermissions": [],
        "Parameters": {"CROSS_ACCOUNT_VERSION": "4"},
        **changes,
    }
    lakeformation: Any = boto3.client("lakeformation", region_name=REGION)
    lakeformation.put_data_lake_settings(DataLakeSettings=settings)


def add_database(name: str, parameters: Mapping[str, str], table_defaults: list[Any] | None = None) -> None:
    database: dict[str, Any] = {"Name": name, "Parameters": dict(parameters)}
    if table_defaults is not None:
        database["CreateTableDefaultPermissions"] = table_defaults
    glue: Any = boto3.client("glue", region_name=REGION)
    glue.create_database(DatabaseInput=database)


@pytest.fixture
def deployed(aws: None) -> None:
    """The central stack deployed: its settings and outputs, and a catalog with one owned database."""
    publish_settings()
    deploy_stack({"GrantRoleArn": GRANT_ROLE, "RevokeRoleArn": REVOKE_ROLE})
    add_database("sales", {"data_owner": PRODUCER_ACCOUNT}, table_defaults=[])


@pytest.fixture
def ready(deployed: None) -> None:
    """Everything the deploying admin does by hand, done."""
    set_lake_formation()
    boto3.client("lakeformation", region_name=REGION).register_resource(
        ResourceArn="arn:aws:s3:::sales-data", UseServiceLinkedRole=True
    )


def line(result: CliResult, title: str) -> str:
    """The line of the check titled ``title``."""
    (found,) = [text for text in result.lines if text[12:].startswith(f"{title}: ")]
    return found


def fix(result: CliResult, title: str) -> str:
    """The fix printed under the check titled ``title``."""
    following = result.lines[result.lines.index(line(result, title)) + 1]
    assert following.startswith(" " * 12 + "fix: "), following
    return following.strip()


def test_a_deployment_set_up_as_lakegate_needs_passes_every_check(ready: None, cli: Cli) -> None:
    result = cli("doctor")

    assert result.code == 0, result.err
    assert result.lines[0] == f"lakegate doctor: account {CENTRAL_ACCOUNT}, {REGION}"
    checks = result.lines[2:-2]
    assert len(checks) == len(CHECKS)
    assert all(text.startswith("ok          ") for text in checks), result.out
    assert line(result, "grant role") == f"ok          grant role: {GRANT_ROLE} is a data lake administrator"
    assert line(result, "cross-account version") == (
        "ok          cross-account version: version 4: Lake Formation shares with other accounts, and with "
        "roles in them, through AWS RAM"
    )
    assert line(result, "data owners") == "ok          data owners: 1 of 1 databases name a data_owner: sales"
    assert result.lines[-1] == "Everything lakegate needs from Lake Formation is in place."


def test_a_lake_formation_nobody_set_up_names_each_missing_prerequisite_and_its_fix(
    deployed: None, cli: Cli
) -> None:
    # GIVEN Lake Formation as a new account has it (moto's defaults: no administrators, no version, new
    # databases and tables IAM-only), no registered location, and a database nobody owns
    add_database("scratch", {})

    result = cli("doctor")

    assert result.code == 1
    assert line(result, "grant role") == (
        f"missing     grant role: {GRANT_ROLE} is not a data lake administrator, so Lake Formation refuses "
        "every grant lakegate makes"
    )
    assert fix(result, "grant role").startswith(ADMIN_FIX)
    assert line(result, "revoke role") == (
        f"missing     revoke role: {REVOKE_ROLE} is not a data lake administrator, so Lake Formation refuses "
        "every revocation lakegate makes"
    )
    assert fix(result, "revoke role").startswith(ADMIN_FIX)
    assert line(result, "cross-account version").startswith(
        "warning     cross-account version: Lake Formation's settings name no cross-account version"
    )
    assert "choose Version 4" in fix(result, "cross-account version")
    assert line(result, "new databases and tables") == (
        'warning     new databases and tables: new databases and tables give IAMAllowedPrincipals ALL ("Use '
        'only IAM access control"), so IAM policies, not Lake Formation grants, decide who may read them'
    )
    assert line(result, "data locations").startswith(
        "warning     data locations: no Amazon S3 location is registered with Lake Formation"
    )
    assert "Register location" in fix(result, "data locations")
    assert result.lines[-1] == "2 missing, 3 warnings: lakegate cannot work until what is missing is fixed."


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_cross_account_version_before_3_is_missing(ready: None, cli: Cli, version: str) -> None:
    set_lake_formation(Parameters={"CROSS_ACCOUNT_VERSION": version})

    result = cli("doctor")

    assert result.code == 1
    assert line(result, "cross-account version") == (
        f"missing     cross-account version: version {version}: before version 3 Lake Formation cannot grant "
        "to a role in another account (a request's target.principal), and lakegate's grant role is set up "
        "for version 3 and later"
    )
    assert fix(result, "cross-account version") == (
        "fix: in the Lake Formation console, Data Catalog settings → Cross account version settings, choose "
        "Version 4; what was shared before stays shared"
    )


@pytest.mark.parametrize("version", ["3", "5"])
def test_cross_account_version_3_and_later_are_fine(ready: None, cli: Cli, version: str) -> None:
    set_lake_formation(Parameters={"CROSS_ACCOUNT_VERSION": version})

    result = cli("doctor")

    assert (result.code, line(result, "cross-account version")[:12]) == (0, "ok          ")


def test_a_role_holding_grantable_permissions_instead_of_administration_is_a_warning(
    ready: None, cli: Cli
) -> None:
    set_lake_formation(DataLakeAdmins=[{"DataLakePrincipalIdentifier": GRANT_ROLE}])
    boto3.client("lakeformation", region_name=REGION).grant_permissions(
        Principal={"DataLakePrincipalIdentifier": REVOKE_ROLE},
        Resource={"Table": {"DatabaseName": "sales", "TableWildcard": {}}},
        Permissions=["SELECT"],
        PermissionsWithGrantOption=["SELECT"],
    )

    result = cli("doctor")

    assert result.code == 0
    assert line(result, "revoke role") == (
        f"warning     revoke role: {REVOKE_ROLE} is not a data lake administrator: it can revoke only on "
        "what it holds with grant option (all tables of database sales), and Lake Formation refuses every "
        "other revocation"
    )
    assert result.lines[-1] == "1 warning: nothing is missing; the warnings say what to look at."


def test_a_read_only_administrator_cannot_grant(ready: None, cli: Cli) -> None:
    set_lake_formation(
        DataLakeAdmins=[{"DataLakePrincipalIdentifier": REVOKE_ROLE}],
        ReadOnlyAdmins=[{"DataLakePrincipalIdentifier": GRANT_ROLE}],
    )

    result = cli("doctor")

    assert result.code == 1
    assert line(result, "grant role") == (
        f"missing     grant role: {GRANT_ROLE} is only a read-only administrator, which cannot grant"
    )


def test_iam_only_defaults_and_data_owners_that_are_no_account_are_warnings(ready: None, cli: Cli) -> None:
    set_lake_formation(CreateTableDefaultPermissions=IAM_ONLY)
    add_database("hr", {"data_owner": PRODUCER_ACCOUNT}, table_defaults=IAM_ONLY)
    add_database("marketing", {"data_owner": "marketing-team"})

    result = cli("doctor")

    assert result.code == 0
    assert line(result, "new databases and tables").startswith(
        "warning     new databases and tables: new tables give IAMAllowedPrincipals ALL"
    )
    assert line(result, "new tables in shared databases") == (
        "warning     new tables in shared databases: new tables in hr give IAMAllowedPrincipals ALL, so Lake "
        "Formation grants do not govern who may read them"
    )
    assert line(result, "data owners") == (
        "warning     data owners: data_owner is not a 12-digit account id on marketing, so requests for them "
        "fail (DataOwnerInvalid)"
    )


def test_a_catalog_without_data_owners_is_named(deployed: None, cli: Cli) -> None:
    set_lake_formation()
    boto3.client("glue", region_name=REGION).delete_database(Name="sales")
    add_database("scratch", {})

    result = cli("doctor")

    assert line(result, "data owners") == (
        "warning     data owners: no database has a data_owner parameter (1 in the catalog), so lakegate "
        "refuses every request (DataOwnerMissing)"
    )
    assert fix(result, "data owners") == (
        "fix: set data_owner (the producer's 12-digit account id) on each database lakegate may share"
    )


def test_without_a_deployment_the_settings_are_missing_and_the_roles_cannot_be_found(
    aws: None, cli: Cli
) -> None:
    set_lake_formation()

    result = cli("doctor")

    assert result.code == 1
    assert line(result, "lakegate settings").startswith(
        f"missing     lakegate settings: no lakegate settings in SSM parameter "
        f"{manifest.CENTRAL_SETTINGS_PARAMETER} ({REGION}): deploy the central stack"
    )
    assert line(result, "grant role") == (
        f"unverified  grant role: no CloudFormation stack LakegateCentral in {REGION} to read the "
        "GrantRoleArn output from"
    )
    assert fix(result, "grant role") == (
        "fix: deploy the central stack here (cdk deploy LakegateCentral), or pass its --profile and --region"
    )


def test_a_stack_deployed_before_the_revoke_role_output_leaves_that_check_unverified(
    aws: None, cli: Cli
) -> None:
    publish_settings()
    deploy_stack({"GrantRoleArn": GRANT_ROLE})
    add_database("sales", {"data_owner": PRODUCER_ACCOUNT})
    set_lake_formation()
    boto3.client("lakeformation", region_name=REGION).register_resource(
        ResourceArn="arn:aws:s3:::sales-data", UseServiceLinkedRole=True
    )

    result = cli("doctor")

    assert result.code == 0
    assert line(result, "revoke role") == (
        "unverified  revoke role: stack LakegateCentral has no RevokeRoleArn output (an older lakegate "
        "deployed it)"
    )
    assert fix(result, "revoke role") == "fix: deploy the central stack again"
    assert result.lines[-1] == "1 not verified: nothing found missing, but some checks could not be made."


def test_json_names_every_check_with_its_status_summary_and_fix(ready: None, cli: Cli) -> None:
    set_lake_formation(DataLakeAdmins=[{"DataLakePrincipalIdentifier": REVOKE_ROLE}])

    result = cli("doctor", "--json")

    assert result.code == 1
    document = json.loads(result.out)
    assert set(document) == {"account", "region", "checks", "counts"}
    assert (document["account"], document["region"]) == (CENTRAL_ACCOUNT, REGION)
    assert [check["name"] for check in document["checks"]] == CHECKS
    assert all(set(check) == {"name", "title", "status", "summary", "fix"} for check in document["checks"])
    grant = document["checks"][1]
    assert (grant["status"], grant["title"]) == ("missing", "grant role")
    assert grant["fix"].startswith("in the Lake Formation console, Administrative roles and tasks")
    assert document["counts"] == {"ok": 7, "warning": 0, "missing": 1, "unverified": 0}


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    """Stubbers for the clients a test makes refuse (by service name); every other client is moto's."""
    stubbers: dict[str, Stubber] = {}
    real = Connection.client

    def client(self: Connection, service: str) -> Any:
        return stubbers[service].client if service in stubbers else real(self, service)

    monkeypatch.setattr(Connection, "client", client)
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def stubbed(refusing: dict[str, Stubber], service: str) -> Stubber:
    stubber = Stubber(boto3.client(service, region_name=REGION))  # type: ignore[call-overload]
    stubber.activate()
    refusing[service] = stubber
    return stubber


def refuse(stubber: Stubber, operation: str) -> None:
    stubber.add_client_error(
        operation,
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform this operation",
        http_status_code=400,
    )


def test_a_refused_read_leaves_its_checks_unverified_and_names_the_action(
    ready: None, cli: Cli, refusing: dict[str, Stubber]
) -> None:
    lakeformation = stubbed(refusing, "lakeformation")
    refuse(lakeformation, "get_data_lake_settings")
    refuse(lakeformation, "list_resources")

    result = cli("doctor")

    assert result.code == 0, result.err  # nothing is known to be missing
    assert line(result, "grant role") == (
        "unverified  grant role: could not read the data lake administrators: AWS refused "
        "lakeformation:GetDataLakeSettings"
    )
    assert (
        fix(result, "grant role")
        == "fix: run doctor as an identity allowed lakeformation:GetDataLakeSettings"
    )
    for title in ("revoke role", "cross-account version", "new databases and tables"):
        assert line(result, title).startswith("unverified  "), title
    assert line(result, "data locations") == (
        "unverified  data locations: could not read the registered data locations: AWS refused "
        "lakeformation:ListResources"
    )
    assert line(result, "data owners").startswith("ok          ")  # Glue answered
    assert result.lines[-1] == "5 not verified: nothing found missing, but some checks could not be made."


def test_a_role_that_is_no_administrator_with_permissions_unreadable_is_unverified(
    ready: None, cli: Cli, refusing: dict[str, Stubber]
) -> None:
    lakeformation = stubbed(refusing, "lakeformation")
    lakeformation.add_response(
        "get_data_lake_settings",
        {"DataLakeSettings": {"DataLakeAdmins": [{"DataLakePrincipalIdentifier": GRANT_ROLE}]}},
    )
    refuse(lakeformation, "list_permissions")
    lakeformation.add_response(
        "list_resources", {"ResourceInfoList": [{"ResourceArn": "arn:aws:s3:::sales"}]}
    )

    result = cli("doctor")

    assert line(result, "revoke role") == (
        f"unverified  revoke role: {REVOKE_ROLE} is not a data lake administrator, and whether it holds "
        "permissions with grant option instead could not be read: AWS refused lakeformation:ListPermissions"
    )
    assert fix(result, "revoke role").startswith(ADMIN_FIX)


def test_refused_settings_and_stack_reads_name_their_actions(
    ready: None, cli: Cli, refusing: dict[str, Stubber]
) -> None:
    refuse(stubbed(refusing, "ssm"), "get_parameter")
    cloudformation = stubbed(refusing, "cloudformation")
    cloudformation.add_client_error(
        "describe_stacks",
        service_error_code="AccessDenied",
        service_message="not authorized",
        http_status_code=403,
    )

    result = cli("doctor", "--json")

    assert result.code == 0, result.err
    checks = {check["name"]: check for check in json.loads(result.out)["checks"]}
    assert checks["settings"]["summary"] == (
        f"could not read SSM parameter {manifest.CENTRAL_SETTINGS_PARAMETER}: AWS refused ssm:GetParameter"
    )
    assert checks["grant_role"]["summary"] == (
        "could not read the GrantRoleArn output of stack LakegateCentral: AWS refused "
        "cloudformation:DescribeStacks"
    )
    assert {checks[name]["status"] for name in ("settings", "grant_role", "revoke_role")} == {"unverified"}


def test_doctor_reads_the_stack_the_app_names_central() -> None:
    # Read from the source: importing stacks.app_factory would start the CDK's runtime in the test process.
    source = ast.parse((ROOT / "stacks" / "app_factory.py").read_text(encoding="utf-8"))
    (name,) = [
        node.value.value
        for node in source.body
        if isinstance(node, ast.Assign)
        and [getattr(target, "id", None) for target in node.targets] == ["CENTRAL_STACK"]
        and isinstance(node.value, ast.Constant)
    ]

    assert name == doctor.CENTRAL_STACK
