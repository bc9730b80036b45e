import pytest

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from tests.conftest import totp_code, totp_device

pytestmark = pytest.mark.usefixtures("demo")


def test_home_page_renders_in_chinese(page, live_server):
    page.goto(live_server.url + "/")
    assert page.title().startswith("建邺数字城管")
    assert page.locator("h1").inner_text() == "建邺数字城管"
    assert page.locator(".facts__list dd").first.inner_text() == "7"
    # The stylesheet loaded: the header carries the Jianye theme's brand colour.
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert colour == "rgb(0, 91, 143)"


def test_home_page_fits_a_phone_screen(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
    context.close()


def test_staff_login_reaches_the_admin(page, live_server):
    page.goto(live_server.url + "/admin/")
    assert page.locator("label[for=id_password]").inner_text().startswith("密码")
    page.fill("input[name=username]", "xitong01")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    # The system administrator's second step: the current code of the demo device.
    page.wait_for_url(live_server.url + "/accounts/otp/?next=*")
    assert "二次身份验证" in page.content()
    page.fill("input[name=token]", totp_code(totp_device(User.objects.get(username="xitong01"))))
    page.click(".otp-form button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    assert "城市基础数据" in page.content()


def test_wrong_password_shows_an_error(page, live_server):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "xitong01")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.url.startswith(live_server.url + "/admin/login/")
    error = page.locator("li.error").first
    assert "密码不匹配" in error.inner_text()
