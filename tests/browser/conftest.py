"""Browser tests: Playwright driving Debian's headless chromium against a live server."""

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    browser_items = []
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            browser_items.append(item)
    # Last: Playwright's sync API keeps an event loop running in the main thread for the
    # session, and async_to_sync (channels tests, signal receivers) refuses to run there.
    last = {id(item) for item in browser_items}
    items[:] = [item for item in items if id(item) not in last] + browser_items


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # fixtures in the same thread are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("chromium not found: install Debian's chromium package (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page, base: str, username: str, next_url: str) -> None:
    """Sign in through the staff login form as a demo account and, when the second step
    asks for it, type the current code of the account's TOTP device (protected demo
    accounts have one on the demo secret); end on next_url."""
    from portal.accounts.demo import DEMO_PASSWORD
    from portal.accounts.models import User
    from tests.conftest import totp_code, totp_device

    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/otp/" in url or url.startswith(base + next_url))
    if "/accounts/otp/" in page.url:
        device = totp_device(User.objects.get(username=username))
        if "/accounts/otp/enroll/" in page.url:
            # First login of an account without a device: enroll the one the page shows.
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=device.user, confirmed=False).latest("id")
        page.fill("input[name=token]", totp_code(device))
        page.click(".otp-form button[type=submit]")
    page.wait_for_url(f"{base}{next_url}*")
