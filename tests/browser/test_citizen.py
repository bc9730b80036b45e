"""A resident reports from a phone with a geotagged photo, gets a number and a code, looks
the report up, the centre closes it through the loop, and the resident rates the result."""

from fractions import Fraction

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.citizen.models import PublicReport
from portal.city.models import Department, Grid
from portal.workflow import services as s
from portal.workflow.models import Status

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("demo")


def _dms(value: float):
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60 * 1000)
    return (Fraction(degrees), Fraction(minutes), Fraction(seconds, 1000))


def geotagged_jpeg(path, *, lon: float, lat: float) -> None:
    """A photo as a phone takes it: EXIF with the GPS position of the problem."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)}
    Image.new("RGB", (800, 600), (90, 120, 60)).save(path, "JPEG", exif=exif.tobytes())


def close(case) -> None:
    centre = User.objects.get(username="zhiban01")
    case = s.case_accept(case=case, actor=User.objects.get(username="shouli01"))
    case = s.case_file(case=case, actor=centre)
    department = Department.objects.get(code="HWS")
    case = s.case_dispatch(
        case=case, actor=User.objects.get(username="paiqian01"), department=department
    )
    handler = department.staff.filter(groups__name="部门处置员").first()
    case = s.case_handle(case=case, actor=handler, result="已清理")
    case = s.case_check(
        case=case, actor=case.grid.supervisor or case.module.supervisor, passed=True
    )
    s.case_close(case=case, actor=centre)


def test_resident_reports_tracks_and_rates_from_a_phone(browser, live_server, tmp_path):
    grid = Grid.objects.order_by("code")[10]
    photo = tmp_path / "IMG_0001.jpg"
    geotagged_jpeg(photo, lon=grid.centre_lon, lat=grid.centre_lat)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, has_touch=True
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/report/")
    page.wait_for_selector("form.report-form[data-ready='1']")
    assert page.locator(".leaflet-container").count() == 1  # the map draws with no tiles
    page.fill("#category-filter", "暴露垃圾")
    page.select_option("select[name=category]", label="暴露垃圾")
    page.fill("textarea[name=description]", "小区门口有一堆暴露垃圾，已经两天没人清理")
    page.set_input_files("input[name=photos]", str(photo))
    # The photo's EXIF GPS places the pin.
    # expect() polls from Playwright's own world: wait_for_function would eval in the page,
    # which the CSP (no 'unsafe-eval') forbids.
    expect(page.locator("#id_lat")).not_to_have_value("", timeout=10000)
    assert abs(float(page.input_value("#id_lat")) - grid.centre_lat) < 1e-4
    assert "照片定位" in page.inner_text("#location-status")
    page.fill("input[name=email]", "resident@example.com")
    page.screenshot(path=str(ARTIFACTS / "citizen_report_form_phone.png"), full_page=True)
    page.click("form.report-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/report/done/")
    number = page.inner_text("#tracking-number").strip()
    code = page.inner_text("#query-code").strip()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "citizen_report_receipt_phone.png"), full_page=True)

    report = PublicReport.objects.select_related("case").get(tracking_number=number)
    assert report.case.attachments.count() == 1 and report.case.grid_id == grid.pk

    page.goto(f"{live_server.url}/report/track/?number={number}")
    page.fill("input[name=code]", code)
    page.click("form.track-form button[type=submit]")
    assert page.inner_text("#public-status") == "待受理"

    close(report.case)

    page.goto(f"{live_server.url}/report/track/?number={number}")
    page.fill("input[name=code]", code)
    page.click("form.track-form button[type=submit]")
    assert page.inner_text("#public-status") == "已办结"
    assert "已派遣至处置部门" in page.content()
    page.check("input[name=satisfaction][value=satisfied]")
    page.fill("textarea[name=comment]", "处理得很及时")
    page.click("form.rating-form button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    page.screenshot(path=str(ARTIFACTS / "citizen_rated_phone.png"), full_page=True)
    phone.close()
    report.case.refresh_from_db()
    assert report.case.status == Status.CLOSED and report.case.satisfaction == "satisfied"
