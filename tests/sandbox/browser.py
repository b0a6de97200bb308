"""Headless Chromium for the browser tests: Debian's, driven by Playwright, launched the same way everywhere.

Playwright for Python drives ``/usr/bin/chromium`` (installed by ``make setup``): it never downloads a
browser here. A missing Playwright or Chromium fails the test that needs it, loudly: CI must run it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

try:
    from playwright.sync_api import sync_playwright
except ImportError as error:  # reported by the test itself, as a failure: CI must run this test
    PLAYWRIGHT_MISSING: ImportError | None = error
else:
    PLAYWRIGHT_MISSING = None

CHROMIUM = Path("/usr/bin/chromium")
# What is known to work on these machines: no sandbox (CI runs as root) and no background
# connections, which the closed network refuses. The profile folder is a fresh one per test.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@contextmanager
def headless_chromium(profile: Path) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile folder; the test fails, never skips, when it cannot start."""
    if PLAYWRIGHT_MISSING is not None:
        pytest.fail(
            f"Playwright for Python is not installed ({PLAYWRIGHT_MISSING}): run `make setup`",
            pytrace=False,
        )
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing (Debian's chromium package): run `make setup`, which installs it",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                user_data_dir=str(profile),
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": 1100, "height": 900},
            )
        except Exception as error:
            pytest.fail(f"headless Chromium did not start ({error}); run `make setup`", pytrace=False)
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
