import pytest

from portal.city.models import Grid
from portal.workflow.models import Case

from .conftest import ARTIFACTS
from .conftest import sign_in as staff_sign_in

pytestmark = pytest.mark.usefixtures("demo")


def sign_in(page, live_server, username, next_url):
    staff_sign_in(page, live_server.url, username, next_url)


def test_supervisor_reports_from_a_phone_and_clerk_accepts(browser, live_server):
    grid = Grid.objects.select_related("supervisor").order_by("code").first()
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, has_touch=True
    )
    page = phone.new_page()
    sign_in(page, live_server, grid.supervisor.username, "/cases/new/")
    assert page.locator("input[name=photo]").get_attribute("capture") == "environment"
    page.select_option("select[name=category]", label="0102 暴露垃圾")
    page.fill("textarea[name=description]", "江东中路路边有一堆生活垃圾")
    page.fill("input[name=lon]", f"{grid.centre_lon:.6f}")
    page.fill("input[name=lat]", f"{grid.centre_lat:.6f}")
    page.click("form.report-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/cases/JY*/")
    assert "已上报" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case_reported_phone.png"), full_page=True)
    phone.close()

    case = Case.objects.get()
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, live_server, "shouli01", "/cases/inbox/")
    assert case.number in page.content()
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.click("form[data-action=accept] button[type=submit]")
    page.wait_for_load_state()
    assert "“受理”已完成" in page.content()
    assert page.locator(".leaflet-container").count() == 1  # the map drew without tiles
    page.screenshot(path=str(ARTIFACTS / "case_accepted.png"), full_page=True)
    desk.close()
    case.refresh_from_db()
    assert case.status == "accepted"
