"""What a recorded call asks IAM for: its actions, the resource ARNs each is checked on, the request context.

One derivation per API operation lakegate's functions call, by IAM prefix and operation name. An action
whose Service Authorization Reference entry lists no resource type is checked on ``"*"`` whatever the call
names (that is how IAM evaluates it); every other derived ARN must have the shape of one of the action's
resource types, so a derivation cannot drift from the reference unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tests.iam.authorization import ServiceAuthorization
from tests.iam.recorded import RecordedCall

# Step Functions authorizes a task response against the state machine whose execution issued the token
# (its AccessDenied names that ARN), although the reference lists no resource type: the checker stands in
# the state machines whose definition waits for a task token.
TASK_TOKEN_ISSUER = "<the state machine that issued the task token>"
_TASK_RESPONSES = ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat")


@dataclass(frozen=True)
class Access:
    """One IAM action on the resources a call touches, with the request context conditions can read."""

    action: str
    resources: tuple[str, ...]
    context: Mapping[str, str] = field(default_factory=dict)


class DerivationError(ValueError):
    """No derivation for an operation, or one that disagrees with the Service Authorization Reference."""


@dataclass(frozen=True)
class _Derived:
    resources: tuple[str, ...]
    context: Mapping[str, str] = field(default_factory=dict)


Derivation = Callable[[RecordedCall], _Derived]


def accesses(call: RecordedCall, facts: ServiceAuthorization) -> list[Access]:
    """The IAM accesses ``call`` needs (none for an operation that needs no permission)."""
    found: list[Access] = []
    for action in facts.iam_actions(call.service, call.prefix, call.operation):
        action_facts = facts.facts(action)
        if action_facts is None:
            raise DerivationError(f"{call.describe()}: {action} is not in the Service Authorization facts")
        derivation = _DERIVATIONS.get((call.prefix, call.operation))
        derived = derivation(call) if derivation is not None else _Derived(("*",))
        context = {**_global_context(call), **derived.context}
        if not action_facts.resource_types and derived.resources != (TASK_TOKEN_ISSUER,):
            found.append(Access(action, ("*",), context))
            continue
        if derivation is None:
            raise DerivationError(
                f"{call.describe()}: no resource derivation for {call.prefix}:{call.operation}"
            )
        for resource in derived.resources:
            if resource != TASK_TOKEN_ISSUER and not action_facts.names_a_resource_type(resource):
                raise DerivationError(
                    f"{call.describe()}: {resource} is none of the resource types of {action} "
                    f"({', '.join(action_facts.resource_types)})"
                )
        found.append(Access(action, derived.resources, context))
    return found


def _global_context(call: RecordedCall) -> dict[str, str]:
    return {
        "aws:SecureTransport": "true",  # boto3 calls AWS over HTTPS
        "aws:RequestedRegion": call.region,
        "aws:PrincipalAccount": call.account,
    }


# ----- ARNs ----------------------------------------------------------------------------------------------


def _arn(
    call: RecordedCall, service: str, resource: str, *, region: str | None = None, account: str = ""
) -> str:
    region = call.region if region is None else region
    return f"arn:{call.partition}:{service}:{region}:{account or call.account}:{resource}"


def _param(call: RecordedCall, name: str) -> str:
    value = call.params.get(name)
    if not isinstance(value, str) or not value:
        raise DerivationError(f"{call.describe()}: no {name} recorded")
    return value


def _nested(call: RecordedCall, container: str, name: str) -> str:
    inner = call.params.get(container)
    value = inner.get(name) if isinstance(inner, Mapping) else None
    if not isinstance(value, str) or not value:
        raise DerivationError(f"{call.describe()}: no {container}.{name} recorded")
    return value


def _table(call: RecordedCall) -> _Derived:
    name = _param(call, "TableName")
    return _Derived((name if name.startswith("arn:") else _arn(call, "dynamodb", f"table/{name}"),))


def _topic(call: RecordedCall) -> _Derived:
    return _Derived((str(call.params.get("TopicArn") or _param(call, "TargetArn")),))


def _event_buses(call: RecordedCall) -> _Derived:
    entries = call.params.get("Entries") or [{}]
    names = {str(entry.get("EventBusName") or "default") for entry in entries}
    return _Derived(
        tuple(
            sorted(
                name if name.startswith("arn:") else _arn(call, "events", f"event-bus/{name}")
                for name in names
            )
        )
    )


def _named(parameter: str) -> Derivation:
    return lambda call: _Derived((_param(call, parameter),))


def _task_response(call: RecordedCall) -> _Derived:
    return _Derived((TASK_TOKEN_ISSUER,))


def _function(call: RecordedCall) -> _Derived:
    name = _param(call, "FunctionName")
    if name.startswith("arn:"):
        return _Derived((name,))
    # A partial ARN (123456789012:function:name) or a name, either with a qualifier.
    parts = name.split(":")
    if len(parts) >= 3 and parts[1] == "function":
        return _Derived((_arn(call, "lambda", ":".join(parts[1:]), account=parts[0]),))
    return _Derived((_arn(call, "lambda", f"function:{name}"),))


def _glue_catalog(call: RecordedCall) -> tuple[str, str]:
    """The catalog a Glue call reads: its CatalogId, else the caller's own; and that catalog's ARN."""
    account = str(call.params.get("CatalogId") or call.account)
    return account, _arn(call, "glue", "catalog", account=account)


def _glue(
    database: Callable[[RecordedCall], str], table: Callable[[RecordedCall], str] | None = None
) -> Derivation:
    """Per the Glue Data Catalog's ARN table: the catalog, the database and (for table calls) the table."""

    def derive(call: RecordedCall) -> _Derived:
        account, catalog = _glue_catalog(call)
        name = database(call)
        resources = [catalog, _arn(call, "glue", f"database/{name}", account=account)]
        if table is not None:
            resources.append(_arn(call, "glue", f"table/{name}/{table(call)}", account=account))
        return _Derived(tuple(resources))

    return derive


def _invitation(call: RecordedCall) -> _Derived:
    arn = _param(call, "resourceShareInvitationArn")
    # The invitation's ARN carries the account that sent it, which owns the share.
    return _Derived((arn,), {"ram:ShareOwnerAccountId": arn.split(":")[4]})


def _bucket(call: RecordedCall) -> _Derived:
    # The bucket belongs to the account whose role the call acts as (lakegate edits only those buckets).
    return _Derived(
        (f"arn:{call.partition}:s3:::{_param(call, 'Bucket')}",), {"s3:ResourceAccount": call.account}
    )


def _literal(value: str) -> Callable[[RecordedCall], str]:
    return lambda call: value


_DERIVATIONS: Mapping[tuple[str, str], Derivation] = {
    **{
        ("dynamodb", operation): _table
        for operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan")
    },
    ("sns", "Publish"): _topic,
    ("events", "PutEvents"): _event_buses,
    ("states", "StartExecution"): _named("stateMachineArn"),
    ("states", "DescribeExecution"): _named("executionArn"),
    **{("states", operation): _task_response for operation in _TASK_RESPONSES},
    ("lambda", "Invoke"): _function,
    ("sts", "AssumeRole"): _named("RoleArn"),
    # lakegate passes the requester key by its ARN (the stack's REQUESTER_KEY_ID).
    ("kms", "GenerateMac"): _named("KeyId"),
    ("kms", "VerifyMac"): _named("KeyId"),
    ("glue", "GetDatabase"): _glue(lambda call: _param(call, "Name")),
    ("glue", "GetDatabases"): _glue(_literal("*")),
    ("glue", "GetTable"): _glue(lambda call: _param(call, "DatabaseName"), lambda call: _param(call, "Name")),
    ("glue", "GetTables"): _glue(lambda call: _param(call, "DatabaseName"), _literal("*")),
    ("glue", "CreateDatabase"): _glue(lambda call: _nested(call, "DatabaseInput", "Name")),
    ("glue", "CreateTable"): _glue(
        lambda call: _param(call, "DatabaseName"), lambda call: _nested(call, "TableInput", "Name")
    ),
    ("ram", "AcceptResourceShareInvitation"): _invitation,
    **{
        ("s3", operation): _bucket
        for operation in ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy")
    },
}
