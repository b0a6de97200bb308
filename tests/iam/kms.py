"""The KMS key use a call implies: writing an encrypted table, publishing to an encrypted topic.

Per the services' documentation: DynamoDB decrypts a table's key under the customer managed KMS key for
every item operation and has KMS generate data keys for writes; SNS has KMS generate a data key (and
decrypt it) for every message published to a topic encrypted with one. The caller needs those KMS actions
on the key, and the key's policy must allow them to it (directly, or to its account so that IAM decides).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tests.iam.render import Renderer, Unrenderable
from tests.iam.templates import Resource, Templates, referenced_id

DYNAMODB_READS = frozenset({"GetItem", "Query", "Scan"})
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})


@dataclass(frozen=True)
class KeyUse:
    """KMS ``actions`` on ``key`` (ARN ``key_arn``) that a call on ``because`` needs."""

    key: Resource
    key_arn: str
    actions: tuple[str, ...]
    via_service: str
    because: str


def key_uses(
    prefix: str, operation: str, resource_arn: str, templates: Templates, renderer: Renderer
) -> Iterator[KeyUse]:
    """The key uses of one call on ``resource_arn``, for the tables and topics the templates define."""
    if prefix == "dynamodb" and operation in DYNAMODB_READS | DYNAMODB_WRITES:
        actions = ("kms:Decrypt", "kms:GenerateDataKey") if operation in DYNAMODB_WRITES else ("kms:Decrypt",)
        for table in _matching(templates, "AWS::DynamoDB::Table", resource_arn, renderer):
            key = table.properties.get("SSESpecification", {}).get("KMSMasterKeyId")
            yield from _customer_key(table, key, actions, "dynamodb", templates, renderer)
    elif prefix == "sns" and operation == "Publish":
        for topic in _matching(templates, "AWS::SNS::Topic", resource_arn, renderer):
            key = topic.properties.get("KmsMasterKeyId")
            yield from _customer_key(
                topic, key, ("kms:GenerateDataKey", "kms:Decrypt"), "sns", templates, renderer
            )


def _matching(templates: Templates, type_: str, arn: str, renderer: Renderer) -> Iterator[Resource]:
    for resource in templates.resources(type_):
        try:
            if renderer.arn(resource) == arn:
                yield resource
        except Unrenderable:
            continue


def _customer_key(
    encrypted: Resource,
    key: object,
    actions: tuple[str, ...],
    service: str,
    templates: Templates,
    renderer: Renderer,
) -> Iterator[KeyUse]:
    """The key use when ``key`` (a KMSMasterKeyId) is a key of the templates; AWS managed keys need none."""
    key_id = referenced_id(key)
    if key_id is None:
        return
    yield KeyUse(
        key=templates.resource(encrypted.stack, key_id),
        key_arn=renderer.arn(templates.resource(encrypted.stack, key_id)),
        actions=actions,
        via_service=f"{service}.{renderer.world.region}.amazonaws.com",
        because=f"{encrypted.describe()} is encrypted with it",
    )
