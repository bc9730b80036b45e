"""The main pages in a browser under the Content-Security-Policy: no violation reported,
neither as a `securitypolicyviolation` event nor on the console."""

import pytest

try:
    from .conftest import sign_in
except ImportError:  # a conftest without the shared helper: sign in through the form

    def sign_in(page, base: str, username: str, next_url: str) -> None:
        from portal.accounts.demo import DEMO_PASSWORD

        page.goto(f"{base}/admin/login/?next={next_url}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}{next_url}*")


pytestmark = pytest.mark.usefixtures("demo")

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""
PUBLIC = ["/", "/report/", "/reports/", "/report/track/", "/search/?q=井盖"]


def _violations(page, console: list[str]) -> list[str]:
    events = page.evaluate("window.__cspViolations")
    return events + [m for m in console if "Content Security Policy" in m]


def _watch(page) -> list[str]:
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda message: console.append(message.text))
    return console


def test_public_pages_run_without_csp_violations(page, live_server):
    console = _watch(page)
    for path in PUBLIC:
        response = page.goto(live_server.url + path)
        assert response.status < 400, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert _violations(page, console) == [], path
    # The report form's map and scripts really ran (not silently blocked).
    page.goto(live_server.url + "/report/")
    page.wait_for_selector(".leaflet-container")


def test_staff_pages_run_without_csp_violations(page, live_server, new_case):
    case = new_case()
    console = _watch(page)
    sign_in(page, live_server.url, "zhiban01", "/command/")
    for path in ["/command/", f"/cases/{case.number}/", "/cases/", "/command/report/"]:
        response = page.goto(live_server.url + path)
        assert response.status < 400, path
        page.wait_for_load_state("load")
        assert _violations(page, console) == [], path
    # The print button's handler now lives in a static file: it still prints.
    page.goto(live_server.url + "/command/report/")
    assert page.locator("script[src*='print_button']").count() == 1
    assert page.locator("[data-print]").count() == 1
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed") == 1
