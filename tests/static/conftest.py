"""Headless Chromium (Debian's, driven by Python playwright) for the page tests.

One browser per test session; each test opens its own contexts (a 360x640 phone for the
handheld, 1280x800 for the board) so storage never leaks between tests. Screenshots go to
$FLOOR_SCREENSHOTS when set (to look at them), else to the test's tmp_path.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = os.environ.get("FLOOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium (or set FLOOR_CHROMIUM)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


# Console errors the browser itself logs when a socket cannot connect (offline tests) are expected.
EXPECTED_CONSOLE = ("WebSocket connection to", "ERR_INTERNET_DISCONNECTED")


class PageErrors(list[str]):
    """JavaScript errors of the pages a test opened; the test fails if any happened."""

    def watch(self, page: Page, name: str) -> Page:
        page.on("pageerror", lambda error: self.append(f"{name}: {error}"))
        page.on("console", lambda message: self._console(name, message.type, message.text))
        return page

    def _console(self, name: str, kind: str, text: str) -> None:
        if kind == "error" and not any(expected in text for expected in EXPECTED_CONSOLE):
            self.append(f"{name} console: {text}")


@pytest.fixture
async def page_errors() -> AsyncIterator[PageErrors]:
    errors = PageErrors()
    yield errors
    assert not errors, "JavaScript errors on the pages:\n" + "\n".join(errors)


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(**PHONE)
    yield context
    await context.close()


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(**DESKTOP)
    yield context
    await context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FLOOR_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
