"""The portal's HTML: the page frame (header, navigation), shared pieces, the sign-in and message pages.

Pages are documents of the one HTML layer (``lakegate.web.html``): a skip link, a header with the
navigation, one ``<main>``, the title, ``lang="en"``; the stylesheet and the script are files (the
Content-Security-Policy allows no inline script or style).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from lakegate.portal.auth import CSRF_FIELD, MAY_DECIDE, PortalUser
from lakegate.web.html import Html, esc
from lakegate.web.html import document as html_document

PORTAL_PATH = "/portal"
APP_PATH = "/portal/app"
ASSETS_PATH = "/portal/assets"
SITE_NAME = "lakegate portal"
CATALOG = "catalog"
REQUESTS = "requests"
DECISIONS = "decisions"


def app_url(path: str, query: Mapping[str, str] | None = None) -> str:
    """A portal page's URL (not escaped: pass it to ``link`` or ``esc``)."""
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{APP_PATH}/{path.lstrip('/')}{suffix}"


def link(href: str, text: object, *, current: bool = False) -> Html:
    aria = ' aria-current="page"' if current else ""
    return Html(f'<a href="{esc(href)}"{aria}>{esc(text)}</a>')


@dataclass(frozen=True)
class Frame:
    """Who is signed in (for the navigation) and the ``csrf`` value every form of the page carries."""

    user: PortalUser
    csrf: str
    section: str = ""  # CATALOG, REQUESTS or DECISIONS: the navigation's current item

    def csrf_field(self) -> Html:
        return Html(f'<input type="hidden" name="{CSRF_FIELD}" value="{esc(self.csrf)}">')


def document(title: str, main: Html, *, frame: Frame | None, refresh_seconds: int | None = None) -> str:
    """A complete page: ``main`` is the content of ``<main>``, which starts with the page's ``<h1>``."""
    refresh = Html(f' data-refresh="{int(refresh_seconds)}"') if refresh_seconds else None
    return html_document(
        title,
        main,
        site_name=SITE_NAME,
        assets_path=ASSETS_PATH,
        header=_header(frame),
        script="portal.js",
        main_attributes=refresh,
    )


def _header(frame: Frame | None) -> Html:
    if frame is None:
        return Html(f'<header class="site-header"><p class="site-name">{SITE_NAME}</p></header>')
    items = [
        (CATALOG, "Catalog", app_url("catalog")),
        (REQUESTS, "My requests", app_url("requests")),
    ]
    if frame.user.in_any(MAY_DECIDE):
        items.append((DECISIONS, "Decisions", app_url("decisions")))
    links = "".join(f"<li>{link(href, text, current=key == frame.section)}</li>" for key, text, href in items)
    return Html(
        '<header class="site-header">'
        f'<p class="site-name">{link(app_url("catalog"), SITE_NAME)}</p>'
        f'<nav aria-label="Portal"><ul>{links}</ul></nav>'
        f'<p class="signed-in">Signed in as <strong>{esc(frame.user.username)}</strong>'
        f"{_groups(frame.user)} "
        '<button type="button" class="sign-out" data-portal-sign-out>Sign out</button></p>'
        "</header>"
    )


def _groups(user: PortalUser) -> Html:
    groups = sorted(user.groups)
    return Html(f" ({esc(', '.join(groups))})") if groups else Html("")


def definition_list(rows: Iterable[tuple[str, object]]) -> Html:
    """Name and value pairs; pairs without a value (None or empty) are left out."""
    items = "".join(
        f"<dt>{esc(name)}</dt><dd>{esc(value)}</dd>" for name, value in rows if value not in (None, "")
    )
    return Html(f'<dl class="details">{items}</dl>')


def data_table(
    caption: str, headers: Sequence[str], rows: Iterable[Sequence[object]], *, table_id: str = ""
) -> Html:
    """A table with a caption, column headers, and the first cell of each row as its row header."""
    head = "".join(f'<th scope="col">{esc(header)}</th>' for header in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{esc(cell)}</th>' if index == 0 else f"<td>{esc(cell)}</td>"
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    identifier = f' id="{esc(table_id)}"' if table_id else ""
    return Html(
        f'<div class="table-scroll"><table{identifier}><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def sensitive(detail: object = "") -> Html:
    """The mark of a sensitive item: the word, not colour alone, and what makes it sensitive."""
    extra = f' <span class="detail">{esc(detail)}</span>' if detail not in (None, "") else ""
    return Html(f'<strong class="sensitive">Sensitive</strong>{extra}')


def not_flagged(text: str = "Not flagged") -> Html:
    return Html(f'<span class="not-flagged">{esc(text)}</span>')


def notice(text: object, *, kind: str = "info") -> Html:
    """A message at the top of a page; ``kind`` "error" is announced at once (role alert)."""
    role = "alert" if kind == "error" else "status"
    return Html(f'<p class="notice notice-{esc(kind)}" role="{role}">{esc(text)}</p>')


def message_page(title: str, message: str, *, frame: Frame | None, status_line: str = "") -> str:
    """A short page: not allowed, not found, try again later."""
    line = f"<p>{esc(status_line)}</p>" if status_line else ""
    body = Html(f"<h1>{esc(title)}</h1><p>{esc(message)}</p>{line}")
    if frame is not None:
        body = Html(body + f"<p>{link(app_url('catalog'), 'Back to the catalog')}</p>")
    return document(title, body, frame=frame)


def sign_in_page() -> str:
    """``GET /portal``: the sign-in form, and the new-password form Cognito may ask for (run by portal.js)."""
    main = Html(
        "<h1>Sign in</h1>"
        "<p>Sign in with the user name and password your administrator gave you.</p>"
        '<p id="portal-message" class="notice notice-error" role="alert" hidden></p>'
        f'<form id="sign-in-form" method="post" action="{PORTAL_PATH}/signin" data-portal-sign-in>'
        '<div class="field"><label for="username">Username</label>'
        '<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" '
        'spellcheck="false" required maxlength="128"></div>'
        '<div class="field"><label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required '
        'maxlength="256"></div>'
        '<button type="submit" class="primary">Sign in</button>'
        "</form>"
        f'<form id="new-password-form" method="post" action="{PORTAL_PATH}/signin/new-password" '
        "data-portal-new-password hidden>"
        "<h2>Choose a new password</h2>"
        "<p>This is your first sign-in: replace the password you were given with your own.</p>"
        '<div class="field"><label for="new-password">New password</label>'
        '<input id="new-password" name="new_password" type="password" autocomplete="new-password" '
        'maxlength="256"></div>'
        '<button type="submit" class="primary">Set password and sign in</button>'
        "</form>"
        "<noscript><p>The portal needs JavaScript to sign in and to load its pages.</p></noscript>"
    )
    return document("Sign in", main, frame=None)
