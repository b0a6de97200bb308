"""Consumer stack: accept the central account's RAM invitations and create resource links (scheduled)."""

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lakegate.core import settings
from lakegate.core.observability import TRACED_MODULES, loaded
from lakegate.sharing.accept_invitations import accept_invitations
from lakegate.sharing.resource_links import ResourceLinks

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
CENTRAL_ACCOUNT_ID = settings.required("CENTRAL_ACCOUNT_ID")
LINK_PREFIX = settings.required("RESOURCE_LINK_PREFIX")
LINK_DATABASE = settings.required("RESOURCE_LINK_DATABASE")
RAM = boto3.client("ram")
GLUE = boto3.client("glue")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # New each run: it remembers, for one run only, that the link database is there.
    links = ResourceLinks(LINK_DATABASE, glue=GLUE)
    return accept_invitations(
        central_account_id=CENTRAL_ACCOUNT_ID, link_prefix=LINK_PREFIX, ram=RAM, links=links
    )


loaded()
