"""Browser journeys: Playwright drives Debian's Chromium against a live server."""

import os
import shutil

import pytest

from tests.conftest import missing_service

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# fixtures are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        missing_service(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_demo(transactional_db, live_server):
    from governance.demo import seed_demo

    seed_demo()
    return live_server


@pytest.fixture
def page(browser):
    """A fresh page that fails the test on any JavaScript error or unexpected 4xx/5xx answer."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status} {r.url}"))
    page.expected_problems = []
    yield page
    context.close()
    unexpected = [p for p in problems if not any(e in p for e in page.expected_problems)]
    assert unexpected == [], unexpected
