"""The catalog pages: databases you can discover, a database's tables, a table's columns."""

from __future__ import annotations

from collections.abc import Sequence

from lakegate.catalog.sensitivity import Sensitivity
from lakegate.portal.auth import MAY_REQUEST
from lakegate.portal.catalog import CatalogPage, ColumnView, DatabaseView, TableView
from lakegate.portal.pages import (
    CATALOG,
    Frame,
    app_url,
    data_table,
    definition_list,
    document,
    link,
    not_flagged,
    sensitive,
)
from lakegate.requests.model import WHOLE_DATABASE
from lakegate.web.html import Html, esc


def catalog_page(page: CatalogPage, *, frame: Frame, paged: bool) -> str:
    """``/portal/app/catalog``: one page of discoverable databases (``paged``: not the first page)."""
    intro = (
        "<h1>Catalog</h1><p>Databases whose owners share them through lakegate. Asking for anything "
        "marked <strong>Sensitive</strong> needs the owner's approval; anything else is shared at once.</p>"
    )
    if page.databases:
        rows = [
            (
                link(app_url(f"catalog/{summary.database.name}"), summary.database.name),
                _owner(summary.database),
                summary.database.description or "No description",
                _database_sensitivity(summary.sensitivity),
            )
            for summary in page.databases
        ]
        listing = data_table(
            "Databases you can discover", ("Database", "Owner", "Description", "Sensitive data"), rows
        )
    else:
        listing = Html("<p>No databases on this page can be discovered.</p>")
    pages = []
    if paged:
        pages.append(link(app_url("catalog"), "First page"))
    if page.next_token:
        pages.append(link(app_url("catalog", {"next": page.next_token}), "Next page"))
    paging = (
        Html(f'<nav aria-label="Pages of the catalog"><ul class="inline">{_items(pages)}</ul></nav>')
        if pages
        else ""
    )
    return document("Catalog", Html(intro + listing + paging), frame=_in_catalog(frame))


def database_page(database: DatabaseView, tables: Sequence[TableView], *, frame: Frame) -> str:
    """``/portal/app/catalog/{database}``: the database and its tables."""
    request = ""
    if frame.user.in_any(MAY_REQUEST):
        whole = app_url("request", {"database": database.name, "table": WHOLE_DATABASE})
        request = f'<p class="actions">{link(whole, "Request the whole database")}</p>'
    rows = [
        (
            link(app_url(f"catalog/{database.name}/{table.name}"), table.name),
            table.description or "No description",
            _column_count(table),
            _table_sensitivity(table),
        )
        for table in tables
    ]
    listing = (
        data_table(f"Tables in {database.name}", ("Table", "Description", "Columns", "Sensitive data"), rows)
        if rows
        else Html("<p>This database has no tables.</p>")
    )
    main = Html(
        _breadcrumb([(app_url("catalog"), "Catalog")], database.name)
        + f"<h1>Database {esc(database.name)}</h1>"
        + _database_details(database)
        + request
        + "<h2>Tables</h2>"
        + listing
    )
    return document(f"Database {database.name}", main, frame=_in_catalog(frame))


def table_page(database: DatabaseView, table: TableView, *, frame: Frame) -> str:
    """``/portal/app/catalog/{database}/{table}``: columns, partition keys, and the way to ask for it."""
    name = f"{database.name}.{table.name}"
    request = ""
    if frame.user.in_any(MAY_REQUEST):
        form = app_url("request", {"database": database.name, "table": table.name})
        request = f'<p class="actions">{link(form, "Request access")}</p>'
    details = definition_list(
        [
            ("Database", link(app_url(f"catalog/{database.name}"), database.name)),
            ("Owner", _owner(database)),
            ("Description", table.description or "No description"),
            ("Table flagged", sensitive("the table is flagged pii_flag") if table.flagged else "No"),
        ]
    )
    columns = (
        data_table(
            f"Columns of {name}",
            ("Column", "Type", "Description", "Sensitive"),
            [_column_row(column) for column in table.regular_columns],
        )
        if table.regular_columns
        else Html("<p>This table has no columns.</p>")
    )
    keys = (
        data_table(
            f"Partition keys of {name}",
            ("Partition key", "Type", "Description", "Sensitive"),
            [_column_row(column) for column in table.partition_keys],
        )
        if table.partition_keys
        else Html("<p>This table has no partition keys.</p>")
    )
    main = Html(
        _breadcrumb(
            [(app_url("catalog"), "Catalog"), (app_url(f"catalog/{database.name}"), database.name)],
            table.name,
        )
        + f"<h1>Table {esc(name)}</h1>"
        + details
        + request
        + "<h2>Columns</h2>"
        + columns
        + '<section aria-labelledby="partition-keys"><h2 id="partition-keys">Partition keys</h2>'
        + keys
        + "</section>"
    )
    return document(f"Table {name}", main, frame=_in_catalog(frame))


def _in_catalog(frame: Frame) -> Frame:
    return Frame(user=frame.user, csrf=frame.csrf, section=CATALOG)


def _owner(database: DatabaseView) -> str:
    if database.owner_name and database.owner_name != database.owner:
        return f"{database.owner_name} ({database.owner})"
    return database.owner


def _database_details(database: DatabaseView) -> Html:
    return definition_list(
        [
            ("Owner", _owner(database)),
            ("Description", database.description or "No description"),
            ("Database flagged", sensitive("the database is flagged pii_flag") if database.flagged else "No"),
        ]
    )


def _database_sensitivity(sensitivity: Sensitivity) -> Html:
    if not sensitivity.sensitive:
        return not_flagged("Nothing flagged")
    reasons = sensitivity.reasons
    detail = reasons[0] if len(reasons) == 1 else f"{reasons[0]}, and more ({len(reasons)} in all)"
    return sensitive(detail)


def _table_sensitivity(table: TableView) -> Html:
    if table.flagged:
        return sensitive("the table is flagged")
    if table.sensitive_columns:
        return sensitive(f"columns: {', '.join(table.sensitive_columns)}")
    return not_flagged("Nothing flagged")


def _column_count(table: TableView) -> str:
    keys = len(table.partition_keys)
    count = f"{len(table.regular_columns)}"
    return f"{count} and {keys} partition key{'s' if keys != 1 else ''}" if keys else count


def _column_row(column: ColumnView) -> tuple[object, ...]:
    return (
        column.name,
        column.type or "unknown",
        column.comment or "No description",
        sensitive() if column.flagged else not_flagged(),
    )


def _breadcrumb(trail: Sequence[tuple[str, str]], here: str) -> Html:
    items = [link(href, text) for href, text in trail]
    items.append(Html(f'<span aria-current="page">{esc(here)}</span>'))
    return Html(f'<nav aria-label="Breadcrumb" class="breadcrumb"><ol>{_items(items)}</ol></nav>')


def _items(parts: Sequence[object]) -> str:
    return "".join(f"<li>{esc(part)}</li>" for part in parts)
