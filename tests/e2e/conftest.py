"""Browser-test fixtures: Debian's Chromium, driven by Playwright, against the live server.

Every test here is marked `e2e`, runs on `transactional_db` (the live server thread must see the
test's rows) and gets a fresh browser context and page; the browser itself is shared.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import need_service
from tests.e2e.helpers import assert_accessible, current_totp_code

# Playwright's sync API keeps an event loop running in this thread, which makes Django refuse
# ORM calls from it ("You cannot call this from an async context") unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Fail fast: a local page that takes longer than this is a bug, not a slow network.
DEFAULT_TIMEOUT_MS = 10_000
HERE = Path(__file__).parent
# Checks of how pages lay out (width at 390 px): CSS, the same on any database, so CI's
# PostgreSQL browser leg leaves them to the SQLite one.
LAYOUT_FILES = {"test_demo_crawl_phone.py", "test_phone_width.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if item.path.name in LAYOUT_FILES:
                item.add_marker(pytest.mark.layout)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session. Never downloaded: Debian's package is used."""
    if not os.path.exists(CHROMIUM):
        need_service(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _e2e_database(transactional_db):
    """Rows must be committed for the live server's thread to see them."""


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context: `new_page(java_script_enabled=False, viewport=...)`."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(**context_options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in its own context: no cookies or storage carried over from another test."""
    return new_page()


@pytest.fixture
def axe():
    """`axe(page)` fails listing every serious or critical accessibility violation."""
    return assert_accessible


@pytest.fixture
def totp():
    """`totp(secret)` is the current authenticator code for a base32 secret."""
    return current_totp_code


@pytest.fixture
def sign_in(live_server):
    """`sign_in(page, user)`: the page's context gets a session for `user`, like force_login.

    For tests about a page rather than about signing in; it skips the login and MFA steps.
    """

    def attach_session(page, user):
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        return page

    return attach_session
