"""The command dashboard in a browser: a case dispatched over HTTP appears without reload.

Django's live server speaks WSGI only, so the dashboard runs on the real ASGI application
under uvicorn, in a thread of this process (same test database, same channel layer)."""

import re
import socket
import threading

import pytest
import uvicorn

from portal.city.models import Department
from portal.workflow import services as s
from portal.workflow.models import Case
from tests.conftest import MONDAY_9AM

from .conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def asgi_server(transactional_db):
    from portal.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, log_level="warning", lifespan="off", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the ASGI server did not start")
        threading.Event().wait(0.05)  # polling the server's start flag, not timing the test
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _filed_case(new_case, user) -> Case:
    case = new_case(at=MONDAY_9AM)
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    return case


def test_dashboard_shows_a_dispatch_without_reload(browser, asgi_server, new_case, user):
    case = _filed_case(new_case, user)
    # bypass_csp: wait_for_function evaluates its predicate in the page, which the CSP
    # (no 'unsafe-eval') forbids; test_csp.py checks the dashboard under the real policy.
    screen = browser.new_context(
        locale="zh-CN", viewport={"width": 1600, "height": 1000}, bypass_csp=True
    )
    page = screen.new_page()
    sign_in(page, asgi_server, "zhiban01", "/command/")
    page.wait_for_selector("#command-status[data-state=connected]")
    page.wait_for_function("document.getElementById('command').dataset.lastEventId > 0")
    assert page.locator(".leaflet-container").count() == 1  # the map drew without tiles
    before = int(page.locator("[data-counter=dispatched]").inner_text())
    page.evaluate("window.__notReloaded = true")

    # The dispatcher dispatches through the HTTP form endpoint, in another browser context.
    desk = browser.new_context(locale="zh-CN")
    dispatcher = desk.new_page()
    sign_in(dispatcher, asgi_server, "paiqian01", f"/cases/{case.number}/")
    token = dispatcher.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = desk.request.post(
        f"{asgi_server}/cases/{case.number}/dispatch/",
        form={
            "csrfmiddlewaretoken": token,
            "department": str(Department.objects.get(code="HWS").pk),
            "version": str(Case.objects.get(pk=case.pk).version),
            "comment": "",
        },
        headers={"Referer": f"{asgi_server}/cases/{case.number}/"},
        max_redirects=0,
    )
    assert response.status == 302
    desk.close()

    item = page.locator(f"#command-feed li[data-case='{case.number}']", has_text="派遣")
    item.wait_for(timeout=5000)
    assert page.evaluate("window.__notReloaded") is True
    page.wait_for_function(
        f"document.querySelector('[data-counter=dispatched]').textContent == '{before + 1}'"
    )
    assert re.search(r"派遣", item.first.inner_text())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "command_dashboard.png"), full_page=True)
    screen.close()
    assert Case.objects.get(pk=case.pk).status == "dispatched"


def test_dashboard_refuses_a_supervisor(browser, asgi_server):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, asgi_server, "jiandu001", "/cases/")
    response = page.goto(f"{asgi_server}/command/")
    assert response.status == 403
    context.close()
