"""One HTML layer for the decision pages, the portal and the sandbox's pages.

Every value put into a page goes through ``esc``, which escapes text and leaves ``Html`` (markup
built from escaped parts) as it is. A document links the one stylesheet (``lakegate.css``) and
never carries inline style or script, so each server's Content-Security-Policy can say
``style-src 'self'``.
"""

from __future__ import annotations

import html

STYLESHEET = "lakegate.css"


class Html(str):
    """Markup built from escaped parts: ``esc`` leaves it as it is."""

    __slots__ = ()


def esc(value: object) -> Html:
    """``value`` as HTML text (quotes too, so it is safe in attributes); ``Html`` passes unchanged."""
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value), quote=True))


def document(
    title: str,
    main: Html,
    *,
    site_name: str,
    assets_path: str,
    header: Html | None = None,
    script: str | None = None,
    main_attributes: Html | None = None,
) -> str:
    """A complete page: ``main`` is the content of ``<main>``, which starts with the page's ``<h1>``.

    ``assets_path`` is where the server serves ``lakegate.css`` (and ``script``, a file name, if any).
    A page with a ``header`` (navigation) starts with a link past it to ``<main>``.
    """
    script_tag = f'<script src="{esc(assets_path)}/{esc(script)}" defer></script>' if script else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{esc(title)} · {esc(site_name)}</title>"
        f'<link rel="stylesheet" href="{esc(assets_path)}/{STYLESHEET}">'
        f"{script_tag}"
        "</head><body>"
        f"{_skip_link() + header if header else ''}"
        f'<main id="main" tabindex="-1"{main_attributes or ""}>{main}</main>'
        "</body></html>"
    )


def _skip_link() -> Html:
    return Html('<a class="skip-link" href="#main">Skip to main content</a>')
