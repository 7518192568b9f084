"""Browser journeys: Playwright drives Debian's Chromium against a live server."""

import os
import shutil
from pathlib import Path

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
    from approvals.demo import seed_organization

    seed_organization()
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


# Screenshots of every page, desktop and phone widths (var/ is not committed).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def sign_in(page, base_url, username, password="clearpost-demo"):
    """Sign in through the login form and land on the dashboard."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/dashboard/")


def shoot(page, name):
    """Full-page screenshots at desktop and phone widths, plus what a phone shows first
    (`<name>-desktop.png`, `<name>-phone.png`, `<name>-phone-screen.png`); the page is left at
    desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone-screen.png"))
    page.set_viewport_size(DESKTOP)
