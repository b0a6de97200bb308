"""The catalog pages: the databases a user may discover, a database's tables, a table's columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from lakegate.portal.auth import MAY_BROWSE
from lakegate.portal.catalog import database_with_tables, discoverable_databases, table_of
from lakegate.portal.catalog_pages import catalog_page, database_page, table_page
from lakegate.portal.pages import APP_PATH
from lakegate.portal.routes.common import frame_for, new_router, page, query

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient


def catalog_routes(*, glue: GlueClient) -> APIGatewayHttpRouter:
    router = new_router()

    @router.get(f"{APP_PATH}/catalog")
    def catalog_route() -> Response[str]:
        frame = frame_for(router, MAY_BROWSE)
        token = (query(router).get("next") or [""])[0] or None
        return page(
            200,
            catalog_page(discoverable_databases(glue=glue, next_token=token), frame=frame, paged=bool(token)),
        )

    @router.get(f"{APP_PATH}/catalog/<database>")
    def database_route(database: str) -> Response[str]:
        frame = frame_for(router, MAY_BROWSE)
        view, tables = database_with_tables(database, glue=glue)
        return page(200, database_page(view, tables, frame=frame))

    @router.get(f"{APP_PATH}/catalog/<database>/<table>")
    def table_route(database: str, table: str) -> Response[str]:
        frame = frame_for(router, MAY_BROWSE)
        view, table_view = table_of(database, table, glue=glue)
        return page(200, table_page(view, table_view, frame=frame))

    return router
