"""``lakegate doctor``: whether Lake Formation is set up as lakegate needs, read from the central account.

The central stack cannot make these settings itself (Lake Formation keeps them in one document per
account, and writing it replaces what others set there), so the deploying admin makes them by hand;
doctor reads them back and says, for each one, what it found and what to do. Every call is a read. A
read AWS refuses leaves that check unverified, naming the action it needs; it never stops the others.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from lakegate.audit.drift import describe, resource_key
from lakegate.catalog.parameters import DATA_OWNER, data_owner
from lakegate.core.identifiers import is_account_id
from lakegate_cli.connection import add_connection_options, connect, load_settings
from lakegate_cli.errors import FAILED, OK, CliError
from lakegate_cli.render import add_json_option, print_json, wants_json

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_lakeformation import LakeFormationClient

T = TypeVar("T")

# stacks.app_factory.CENTRAL_STACK, which cannot be imported here (it loads the CDK); a test keeps them equal.
CENTRAL_STACK = "LakegateCentral"
IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS"
CROSS_ACCOUNT_VERSION = "CROSS_ACCOUNT_VERSION"
# Version 3 is the first that grants to IAM principals of other accounts (a request's target.principal),
# and the grant role's RAM and Glue permissions are those Lake Formation asks of a grantor from version 3.
LOWEST_CROSS_ACCOUNT_VERSION = 3
RECOMMENDED_CROSS_ACCOUNT_VERSION = 4
_ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
_NAMES_SHOWN = 5

_ADMIN_FIX = (
    "in the Lake Formation console, Administrative roles and tasks → Data lake administrators → Add, and "
    "choose this role (or grant it, with grant option, the permissions on the databases lakegate manages)"
)
_VERSION_FIX = (
    "in the Lake Formation console, Data Catalog settings → Cross account version settings, choose "
    f"Version {RECOMMENDED_CROSS_ACCOUNT_VERSION}; what was shared before stays shared"
)


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"  # lakegate works, but not as governed as it should be, or not for every request
    MISSING = "missing"  # lakegate cannot work until this is done
    UNVERIFIED = "unverified"  # AWS refused the read, or what to check could not be found


@dataclass(frozen=True)
class Check:
    """One prerequisite: what doctor found, in one line, and what to do about it."""

    name: str  # stable key for --json
    title: str
    status: Status
    summary: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status.value,
            "summary": self.summary,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Refused:
    """A read AWS refused: the caller is not allowed ``action``."""

    action: str

    def check(self, name: str, title: str, what: str) -> Check:
        return Check(
            name,
            title,
            Status.UNVERIFIED,
            f"could not read {what}: AWS refused {self.action}",
            f"run doctor as an identity allowed {self.action}",
        )


@dataclass(frozen=True)
class WorkflowRole:
    """A workflow role that Lake Formation must let act on the catalog, and the stack output naming it."""

    name: str
    title: str
    output: str
    verb: str  # what lakegate does with it
    act: str  # one such act, as a noun


ROLES = (
    WorkflowRole("grant_role", "grant role", "GrantRoleArn", "grant", "grant"),
    WorkflowRole("revoke_role", "revoke role", "RevokeRoleArn", "revoke", "revocation"),
)


# --- reading (every AWS call doctor makes) ---------------------------------------------------------------


def attempt(action: str, read: Callable[[], T]) -> T | Refused:
    """``read()``, or Refused when AWS denies ``action``; other errors go on to the CLI's error handling."""
    try:
        return read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _ACCESS_DENIED:
            return Refused(action)
        raise


def stack_outputs(cloudformation: Any, stack_name: str = CENTRAL_STACK) -> dict[str, str] | None:
    """The stack's outputs by key; None when there is no such stack in this account and region."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationError":  # "Stack ... does not exist"
            return None
        raise
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs") or ()}


def data_lake_settings(lakeformation: LakeFormationClient) -> Mapping[str, Any]:
    return lakeformation.get_data_lake_settings()["DataLakeSettings"]


def grantable_resources(
    lakeformation: LakeFormationClient, principals: Collection[str]
) -> dict[str, list[str]]:
    """For each of ``principals``, the resources it holds a permission on with grant option.

    ListPermissions takes a principal only together with a resource, so the catalog's permissions are
    listed once and filtered here. Lake Formation lists only what the caller may see.
    """
    found: dict[str, list[str]] = {principal: [] for principal in principals}
    arguments: dict[str, Any] = {"MaxResults": 1000}
    while True:
        page = lakeformation.list_permissions(**arguments)
        for entry in page.get("PrincipalResourcePermissions", []):
            principal = entry.get("Principal", {}).get("DataLakePrincipalIdentifier", "")
            if principal in found and entry.get("PermissionsWithGrantOption"):
                found[principal].append(_resource(entry.get("Resource") or {}))
        token = page.get("NextToken")
        if not token:
            return found
        arguments["NextToken"] = token


def registered_locations(lakeformation: LakeFormationClient) -> list[str]:
    """The Amazon S3 locations registered with Lake Formation."""
    locations: list[str] = []
    arguments: dict[str, Any] = {}
    while True:
        page = lakeformation.list_resources(**arguments)
        locations.extend(resource["ResourceArn"] for resource in page.get("ResourceInfoList", []))
        token = page.get("NextToken")
        if not token:
            return locations
        arguments["NextToken"] = token


def databases(glue: GlueClient) -> list[Mapping[str, Any]]:
    """Every database of this account's catalog (that the caller may see)."""
    return [
        database
        for page in glue.get_paginator("get_databases").paginate()
        for database in page["DatabaseList"]
    ]


# --- the checks ------------------------------------------------------------------------------------------


def settings_check(read: Callable[[], object], parameter: str, where: str) -> Check:
    """Whether the CLI finds the deployment: ``read`` is the CLI's own settings read."""
    name, title = "settings", "lakegate settings"
    try:
        found = attempt("ssm:GetParameter", read)
    except CliError as error:  # not there, or not lakegate's: the message says what to do
        return Check(name, title, Status.MISSING, error.message)
    if isinstance(found, Refused):
        return found.check(name, title, f"SSM parameter {parameter}")
    return Check(name, title, Status.OK, f"SSM parameter {parameter} in {where} names the central resources")


def role_arn(role: WorkflowRole, outputs: dict[str, str] | Refused | None, where: str) -> str | Check:
    """The role's ARN from the central stack's outputs, or the unverified check saying why it is unknown."""
    title = role.title
    if isinstance(outputs, Refused):
        return outputs.check(role.name, title, f"the {role.output} output of stack {CENTRAL_STACK}")
    if outputs is None:
        return Check(
            role.name,
            title,
            Status.UNVERIFIED,
            f"no CloudFormation stack {CENTRAL_STACK} in {where} to read the {role.output} output from",
            f"deploy the central stack here (cdk deploy {CENTRAL_STACK}), or pass its --profile and --region",
        )
    arn = outputs.get(role.output)
    if not arn:
        return Check(
            role.name,
            title,
            Status.UNVERIFIED,
            f"stack {CENTRAL_STACK} has no {role.output} output (an older lakegate deployed it)",
            "deploy the central stack again",
        )
    return arn


def administrator_check(
    role: WorkflowRole,
    arn: str | Check,
    lake: Mapping[str, Any] | Refused,
    grantable: Mapping[str, list[str]] | Refused,
) -> Check:
    """Whether Lake Formation lets the role grant (or revoke) on any database: a data lake administrator."""
    if isinstance(arn, Check):
        return arn
    name, title = role.name, role.title
    if isinstance(lake, Refused):
        return lake.check(name, title, "the data lake administrators")
    if arn in _principals(lake.get("DataLakeAdmins")):
        return Check(name, title, Status.OK, f"{arn} is a data lake administrator")
    if arn in _principals(lake.get("ReadOnlyAdmins")):
        return Check(
            name,
            title,
            Status.MISSING,
            f"{arn} is only a read-only administrator, which cannot {role.verb}",
            _ADMIN_FIX,
        )
    if isinstance(grantable, Refused):
        return Check(
            name,
            title,
            Status.UNVERIFIED,
            f"{arn} is not a data lake administrator, and whether it holds permissions with grant option "
            f"instead could not be read: AWS refused {grantable.action}",
            _ADMIN_FIX,
        )
    held = grantable.get(arn) or []
    if held:
        return Check(
            name,
            title,
            Status.WARNING,
            f"{arn} is not a data lake administrator: it can {role.verb} only on what it holds with grant "
            f"option ({_some(held)}), and Lake Formation refuses every other {role.act}",
            _ADMIN_FIX,
        )
    return Check(
        name,
        title,
        Status.MISSING,
        f"{arn} is not a data lake administrator, so Lake Formation refuses every {role.act} lakegate makes",
        _ADMIN_FIX,
    )


def cross_account_version_check(lake: Mapping[str, Any] | Refused) -> Check:
    """Whether Lake Formation can share with other accounts and with roles in them, as lakegate does."""
    name, title = "cross_account_version", "cross-account version"
    if isinstance(lake, Refused):
        return lake.check(name, title, "Lake Formation's settings")
    raw = str((lake.get("Parameters") or {}).get(CROSS_ACCOUNT_VERSION, "")).strip()
    if not raw.isdigit():
        return Check(
            name,
            title,
            Status.WARNING,
            f"Lake Formation's settings name no cross-account version ({CROSS_ACCOUNT_VERSION}), so which "
            "one applies cannot be read",
            _VERSION_FIX,
        )
    if int(raw) < LOWEST_CROSS_ACCOUNT_VERSION:
        return Check(
            name,
            title,
            Status.MISSING,
            f"version {raw}: before version {LOWEST_CROSS_ACCOUNT_VERSION} Lake Formation cannot grant to a "
            "role in another account (a request's target.principal), and lakegate's grant role is set up "
            f"for version {LOWEST_CROSS_ACCOUNT_VERSION} and later",
            _VERSION_FIX,
        )
    return Check(
        name,
        title,
        Status.OK,
        f"version {raw}: Lake Formation shares with other accounts, and with roles in them, through AWS RAM",
    )


def default_permissions_check(lake: Mapping[str, Any] | Refused) -> Check:
    """Whether new databases and tables are governed by Lake Formation rather than by IAM alone."""
    name, title = "default_permissions", "new databases and tables"
    if isinstance(lake, Refused):
        return lake.check(name, title, "Lake Formation's settings")
    iam_only = [
        kind
        for kind, key in (
            ("databases", "CreateDatabaseDefaultPermissions"),
            ("tables", "CreateTableDefaultPermissions"),
        )
        if _iam_only(lake.get(key))
    ]
    if not iam_only:
        return Check(
            name, title, Status.OK, "new databases and tables get no IAMAllowedPrincipals permissions"
        )
    return Check(
        name,
        title,
        Status.WARNING,
        f'new {" and ".join(iam_only)} give IAMAllowedPrincipals ALL ("Use only IAM access control"), so IAM '
        "policies, not Lake Formation grants, decide who may read them",
        'in the Lake Formation console, Data Catalog settings, clear the "Use only IAM access control" '
        "boxes for new databases and tables, and revoke IAMAllowedPrincipals' permissions on the existing "
        "databases and tables lakegate shares",
    )


def data_owner_check(catalog: Sequence[Mapping[str, Any]] | Refused) -> Check:
    """Whether the catalog has databases lakegate can take requests for (a valid ``data_owner``)."""
    name, title = "data_owner", "data owners"
    if isinstance(catalog, Refused):
        return catalog.check(name, title, "the catalog's databases")
    owners = {database["Name"]: _data_owner(database) for database in catalog}
    named = sorted(database for database, owner in owners.items() if owner)
    if not named:
        return Check(
            name,
            title,
            Status.WARNING,
            f"no database has a {DATA_OWNER} parameter ({len(owners)} in the catalog), so lakegate refuses "
            "every request (DataOwnerMissing)",
            f"set {DATA_OWNER} (the producer's 12-digit account id) on each database lakegate may share",
        )
    malformed = [database for database in named if not is_account_id(owners[database])]
    if malformed:
        return Check(
            name,
            title,
            Status.WARNING,
            f"{DATA_OWNER} is not a 12-digit account id on {_some(malformed)}, so requests for them fail "
            "(DataOwnerInvalid)",
            f"set {DATA_OWNER} to the owning producer's 12-digit account id",
        )
    return Check(
        name, title, Status.OK, f"{len(named)} of {len(owners)} databases name a {DATA_OWNER}: {_some(named)}"
    )


def database_defaults_check(catalog: Sequence[Mapping[str, Any]] | Refused) -> Check:
    """Whether the databases lakegate shares hand their new tables to IAM alone."""
    name, title = "database_defaults", "new tables in shared databases"
    if isinstance(catalog, Refused):
        return catalog.check(name, title, "the catalog's databases")
    iam_only = sorted(
        database["Name"]
        for database in catalog
        if _data_owner(database) and _iam_only(database.get("CreateTableDefaultPermissions"))
    )
    if not iam_only:
        return Check(
            name,
            title,
            Status.OK,
            "no database with a data_owner gives IAMAllowedPrincipals ALL on its new tables",
        )
    return Check(
        name,
        title,
        Status.WARNING,
        f"new tables in {_some(iam_only)} give IAMAllowedPrincipals ALL, so Lake Formation grants do not "
        "govern who may read them",
        'in the Lake Formation console, edit each of these databases and clear its "Use only IAM access '
        "control\" box for new tables; revoke IAMAllowedPrincipals' permissions on its existing tables",
    )


def data_locations_check(locations: Sequence[str] | Refused) -> Check:
    """Whether Lake Formation hands out credentials for any data at all."""
    name, title = "data_locations", "data locations"
    if isinstance(locations, Refused):
        return locations.check(name, title, "the registered data locations")
    if not locations:
        return Check(
            name,
            title,
            Status.WARNING,
            "no Amazon S3 location is registered with Lake Formation, so it hands out no credentials for "
            "the shared tables' data: consumers see the tables, but read them only with S3 access given "
            "otherwise",
            "in the Lake Formation console, Data lake locations → Register location, for the S3 paths of the "
            "tables lakegate shares",
        )
    return Check(
        name, title, Status.OK, f"{len(locations)} Amazon S3 location(s) registered with Lake Formation"
    )


def diagnose(
    settings: Check,
    *,
    cloudformation: Any,
    lakeformation: LakeFormationClient,
    glue: GlueClient,
    where: str,
) -> list[Check]:
    """Every check, in the order an admin works through them; ``settings``, the first, is made already."""
    outputs = attempt("cloudformation:DescribeStacks", lambda: stack_outputs(cloudformation))
    lake = attempt("lakeformation:GetDataLakeSettings", lambda: data_lake_settings(lakeformation))
    arns = [role_arn(role, outputs, where) for role in ROLES]
    admins = set() if isinstance(lake, Refused) else _principals(lake.get("DataLakeAdmins"))
    # Only a role that is no administrator may hold what it needs as permissions with grant option instead.
    others = {arn for arn in arns if isinstance(arn, str) and arn not in admins}
    grantable = (
        attempt("lakeformation:ListPermissions", lambda: grantable_resources(lakeformation, others))
        if others and not isinstance(lake, Refused)
        else {}
    )
    catalog = attempt("glue:GetDatabases", lambda: databases(glue))
    locations = attempt("lakeformation:ListResources", lambda: registered_locations(lakeformation))
    return [
        settings,
        *(administrator_check(role, arn, lake, grantable) for role, arn in zip(ROLES, arns, strict=True)),
        cross_account_version_check(lake),
        default_permissions_check(lake),
        data_owner_check(catalog),
        database_defaults_check(catalog),
        data_locations_check(locations),
    ]


def _principals(entries: Any) -> set[str]:
    return {str(entry.get("DataLakePrincipalIdentifier", "")) for entry in entries or ()}


def _iam_only(defaults: Any) -> bool:
    """Whether default permissions are "Use only IAM access control": ALL for IAMAllowedPrincipals."""
    return any(
        entry.get("Principal", {}).get("DataLakePrincipalIdentifier") == IAM_ALLOWED_PRINCIPALS
        and "ALL" in (entry.get("Permissions") or ())
        for entry in defaults or ()
    )


def _data_owner(database: Mapping[str, Any]) -> str:
    return data_owner(database.get("Parameters")) or ""


def _resource(resource: Mapping[str, Any]) -> str:
    key = resource_key(resource)
    return describe(key) if key else next(iter(resource), "a resource")


def _some(names: Sequence[str]) -> str:
    """A few names, and how many more."""
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown if len(names) <= _NAMES_SHOWN else f"{shown} and {len(names) - _NAMES_SHOWN} more"


# --- the command -----------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the Lake Formation setup lakegate needs and say how to fix what is missing",
        description="Read, from the central account, what the deploying admin sets up by hand in Lake "
        "Formation: the grant and revoke roles as data lake administrators, the cross-account version, the "
        "IAMAllowedPrincipals defaults, data owners in the catalog and registered data locations. Read-only; "
        "run it as a data lake administrator (Lake Formation shows others only what they may see). Exit 1 "
        "when something is missing.",
    )
    add_connection_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    connection = connect(args)
    account = connection.sts().get_caller_identity()["Account"]
    checks = diagnose(
        settings_check(lambda: load_settings(connection), connection.settings_parameter, connection.where()),
        cloudformation=connection.client("cloudformation"),
        lakeformation=connection.client("lakeformation"),
        glue=connection.client("glue"),
        where=connection.where(),
    )
    counts = {status.value: sum(check.status == status for check in checks) for status in Status}
    if wants_json(args):
        print_json(
            {
                "account": account,
                "region": connection.region,
                "checks": [check.to_dict() for check in checks],
                "counts": counts,
            }
        )
    else:
        print("\n".join(report(checks, heading=f"lakegate doctor: account {account}, {connection.where()}")))
    return FAILED if counts[Status.MISSING.value] else OK


def report(checks: Sequence[Check], *, heading: str) -> Iterator[str]:
    """The checks as a person reads them: one line each, the fix under it, and a verdict."""
    width = max(len(status.value) for status in Status)
    yield heading
    yield ""
    for check in checks:
        yield f"{check.status.value.ljust(width)}  {check.title}: {check.summary}"
        if check.fix and check.status != Status.OK:
            yield f"{' ' * width}  fix: {check.fix}"
    yield ""
    yield _verdict(checks)


def _verdict(checks: Sequence[Check]) -> str:
    missing, warnings, unverified = (
        sum(check.status == status for check in checks)
        for status in (Status.MISSING, Status.WARNING, Status.UNVERIFIED)
    )
    parts = [
        f"{missing} missing" if missing else "",
        f"{warnings} warning{'s' if warnings > 1 else ''}" if warnings else "",
        f"{unverified} not verified" if unverified else "",
    ]
    found = ", ".join(part for part in parts if part)
    if not found:
        return "Everything lakegate needs from Lake Formation is in place."
    if missing:
        return f"{found}: lakegate cannot work until what is missing is fixed."
    if unverified:
        return f"{found}: nothing found missing, but some checks could not be made."
    return f"{found}: nothing is missing; the warnings say what to look at."
