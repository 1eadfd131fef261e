"""Browser tests: Playwright driving the system's Chromium against pytest-django's live server.

Nothing is downloaded: Playwright is told to use /usr/bin/chromium (Debian's package). The tests
skip when it is missing — and fail instead when COTAI_REQUIRE_SERVICES is set (CI) — and so does
the accessibility check when axe-core (npm ci) is missing. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cotai.testing import need_service

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The live server runs in a thread of this process while Playwright's sync API keeps an event loop
# in the main thread; Django would otherwise refuse ORM calls from the test body.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    need_service("Chromium", CHROMIUM.exists(), "install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies: one person) and return its page."""
    contexts = []

    def make(viewport: dict | None = None, *, bypass_csp: bool = False):
        # bypass_csp only lets the axe checker inject its script; the journey runs under the real CSP.
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1280, "height": 900},
            timezone_id="America/Sao_Paulo",
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(10_000)
        # A CSP violation is reported with the element that caused it (the console message alone does not say).
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error('CSP ' + e.violatedDirective"
            " + ' ' + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : '')))"
        )
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                message.type == "error" and page.errors.append(f"{page.url}: {message.text} @ {message.location}")
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    """Save a full-page screenshot under artifacts/browser/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def axe():
    """Run axe-core in the page; return the serious and critical violations."""
    need_service("axe-core", AXE.exists(), "run `npm ci` at the repository root")

    def check(page) -> list[dict]:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
