"""The citizen pages over HTTP: report, receipt, tracking, rating; hotline, callback and
moderation for staff — each protected page also refuses the wrong role."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.citizen.models import PublicReport, Rating
from portal.city.models import Category
from portal.workflow.models import Case, Source, Status
from tests.citizen.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def form_data(grid, **extra):
    data = {
        "category": Category.objects.get(name="暴露垃圾").pk,
        "description": "江东中路与应天大街路口有暴露垃圾",
        "lon": f"{grid.centre_lon:.6f}",
        "lat": f"{grid.centre_lat:.6f}",
        "name": "李四",
        "phone": "13912345678",
    }
    data.update(extra)
    return data


def test_report_page_renders_grouped_categories_and_notices(client):
    html = client.get("/report/").content.decode()
    assert "<optgroup" in html and "井盖缺失" in html
    assert "category-notices" in html and "119" in html  # 火灾's notice is on the page
    assert 'id="report-map"' in html


def test_report_submit_gives_number_and_code_once(client, grid):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg")
    response = client.post("/report/", {**form_data(grid), "photos": [photo]})
    assert response.status_code == 302 and response["Location"] == "/report/done/"
    done = client.get("/report/done/")
    html = done.content.decode()
    report = PublicReport.objects.get()
    assert report.tracking_number in html and done["Cache-Control"] == "no-store"
    assert report.case.source == Source.PUBLIC and report.case.attachments.count() == 1
    # Shown once: a reload no longer shows the code.
    assert client.get("/report/done/").status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": ""}, "必需字段"),
        ({"lon": "", "lat": ""}, "请在地图上点选问题位置"),
        ({"lon": "118.95", "lat": "32.30"}, "不在建邺区范围内"),
        ({"lon": "nan", "lat": "nan"}, "请在地图上点选问题位置"),
        ({"phone": "12345"}, "手机号码"),
        ({"category": "999999"}, "选择一个有效的选项"),
    ],
)
def test_bad_reports_come_back_with_chinese_messages_and_nothing_saved(
    client, grid, change, message
):
    response = client.post("/report/", form_data(grid, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_renamed_svg_is_refused_on_the_form_and_nothing_saved(client, grid):
    svg = SimpleUploadedFile("photo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    response = client.post("/report/", {**form_data(grid), "photos": [svg]})
    assert response.status_code == 400
    assert not Case.objects.exists() and not PublicReport.objects.exists()


def track(client, number, code):
    return client.post("/report/track/", {"number": number, "code": code})


def test_tracking_shows_a_public_safe_timeline(client, submit, close_case, user):
    receipt = submit()
    close_case(receipt.case)
    response = track(client, receipt.tracking_number, receipt.code)
    html = response.content.decode()
    assert response.status_code == 200
    for step in ("已提交", "已受理", "已立案", "已派遣至处置部门", "环境卫生", "已结案"):
        assert step in html
    assert "已办结" in html
    # Never the reporter, the staff or internal notes.
    assert "张三丰" not in html and "13812349000" not in html and "zhang@example.com" not in html
    assert user("paiqian01").real_name not in html and "已清运完毕" not in html
    assert receipt.case.number not in html


def test_a_wrong_code_or_number_reveals_nothing(client, submit):
    receipt = submit()
    for number, code in [
        (receipt.tracking_number, "AAAAAA"),
        ("JY0000000000", receipt.code),
        ("", ""),
        ("JY" + "9" * 100, "x" * 100),
    ]:
        response = track(client, number, code)
        assert response.status_code in (400, 404)
        assert "应天大街" not in response.content.decode()


def test_the_reporter_rates_after_closure_and_unsatisfied_reopens(client, submit, close_case):
    receipt = submit()
    track(client, receipt.tracking_number, receipt.code)
    rate = {"report": receipt.report.pk, "satisfaction": "unsatisfied", "comment": "没有处理干净"}
    assert client.post("/report/track/rate/", rate).status_code == 409  # not closed yet
    close_case(receipt.case)
    html = track(client, receipt.tracking_number, receipt.code).content.decode()
    assert "请评价办理结果" in html
    response = client.post("/report/track/rate/", rate)
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    case = Case.objects.get(pk=receipt.case.pk)
    assert case.status == Status.ACCEPTED
    assert Rating.objects.get().reopened


def test_rating_needs_the_code_proved_in_this_browser(client, submit, close_case):
    receipt = submit()
    close_case(receipt.case)
    response = client.post(
        "/report/track/rate/", {"report": receipt.report.pk, "satisfaction": "satisfied"}
    )
    assert response.status_code == 403
    assert not Rating.objects.exists()


def test_nearby_shows_open_reports_of_the_same_category_without_personal_data(client, submit, grid):
    receipt = submit()
    category = receipt.case.category_id
    url = f"/report/nearby/?lon={grid.centre_lon}&lat={grid.centre_lat}&category={category}"
    data = client.get(url).json()
    assert [n["tracking_number"] for n in data["nearby"]] == [receipt.tracking_number]
    assert "13812349000" not in str(data) and "lon" not in data["nearby"][0]
    other = Category.objects.exclude(pk=category).first().pk
    url = f"/report/nearby/?lon={grid.centre_lon}&lat={grid.centre_lat}&category={other}"
    assert client.get(url).json()["nearby"] == []
    assert client.get("/report/nearby/?lon=x&lat=1&category=1").status_code == 400


def test_grids_and_geocode_serve_the_map(client):
    geo = client.get("/report/grids.json").json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 835
    places = client.get("/report/geocode/?q=沙洲").json()["places"]
    assert places and all("lon" in p and "lat" in p for p in places)


def test_hotline_intake_reads_back_number_and_code(client, login, grid):
    login("rexian01")
    response = client.post("/hotline/", form_data(grid, phone="13813939000"))
    html = response.content.decode()
    report = PublicReport.objects.get()
    assert response.status_code == 200 and report.tracking_number in html
    assert report.case.source == Source.HOTLINE and report.case.reporter_phone == "13813939000"


@pytest.mark.parametrize("username", ["paiqian01", "chuzhi_hws", "jiandu001"])
def test_hotline_pages_refuse_other_roles(client, login, grid, username):
    login(username)
    assert client.get("/hotline/").status_code == 403
    assert client.post("/hotline/", form_data(grid)).status_code == 403
    assert client.get("/hotline/callbacks/").status_code == 403
    assert not Case.objects.exists()


def test_hotline_needs_login(client):
    assert client.get("/hotline/").status_code == 302


def test_callback_list_and_record(client, login, submit, close_case):
    receipt = submit()
    close_case(receipt.case)
    login("rexian01")
    html = client.get("/hotline/callbacks/").content.decode()
    assert receipt.tracking_number in html and "13812349000" in html  # operators call back
    url = f"/hotline/callbacks/{receipt.tracking_number}/"
    response = client.post(url, {"satisfaction": "satisfied", "comment": "来电人表示满意"})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert rating.via == "callback" and rating.actor.username == "rexian01"
    assert url not in client.get("/hotline/callbacks/").content.decode()


def test_phone_is_masked_for_staff_without_need_to_know(client, login, submit, close_case):
    receipt = submit()
    close_case(receipt.case)
    login("zhiban01")  # sees the case, not the reporter's number
    html = client.get(f"/cases/{receipt.case.number}/").content.decode()
    assert "13812349000" not in html and "138****9000" in html


def test_moderation_hides_and_redacts_with_audit_and_refuses_others(client, login, submit):
    receipt = submit()
    url = f"/moderation/{receipt.tracking_number}/"
    login("paiqian01")
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "hide", "reason": "x"}).status_code == 403
    login("shouli01")
    assert client.post(url, {"action": "hide", "reason": ""}).status_code == 400
    assert client.post(url, {"action": "hide", "reason": "重复举报"}).status_code == 302
    assert PublicReport.objects.get().hidden
    response = client.post(url, {"action": "redact", "reason": "含个人信息", "text": "路口垃圾"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "重复举报" in html and "含个人信息" in html and "路口垃圾" in html


def test_guessing_numbers_and_codes_finds_nothing_and_is_rate_limited(client, submit, settings):
    settings.CITIZEN_RATE_LIMITS = {**settings.CITIZEN_RATE_LIMITS, "lookup_failures": "10/600"}
    receipt = submit()
    statuses = []
    for n in range(12):
        guess = f"JY{n:010d}"
        statuses.append(track(client, guess, "ABCDEF").status_code)
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]
    # Locked out now, even with the right number and code; other addresses are not.
    blocked = track(client, receipt.tracking_number, receipt.code)
    assert blocked.status_code == 429 and "Retry-After" in blocked
    assert "请" in blocked.content.decode() and "应天大街" not in blocked.content.decode()
    other = client.post(
        "/report/track/",
        {"number": receipt.tracking_number, "code": receipt.code},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 200


def test_a_wrong_code_for_a_real_number_counts_as_a_failure(client, submit, settings):
    settings.CITIZEN_RATE_LIMITS = {**settings.CITIZEN_RATE_LIMITS, "lookup_failures": "3/600"}
    receipt = submit()
    codes = ["AAAAAA", "BBBBBB", "CCCCCC"]
    assert [track(client, receipt.tracking_number, c).status_code for c in codes] == [404] * 3
    assert track(client, receipt.tracking_number, receipt.code).status_code == 429


def test_repeated_submissions_must_answer_a_question_then_are_refused(client, grid, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 2
    settings.CITIZEN_RATE_LIMITS = {**settings.CITIZEN_RATE_LIMITS, "submit": "4/3600"}
    for n in range(2):
        response = client.post("/report/", form_data(grid, phone=f"1391234567{n}"))
        assert response.status_code == 302
    # The third from this address needs the answer: without it, nothing is saved.
    response = client.post("/report/", form_data(grid, phone="13912345672"))
    html = response.content.decode()
    assert response.status_code == 400 and "安全验证" in html and "为防止滥用" in html
    assert Case.objects.count() == 2
    page = client.get("/report/")
    form = page.context["form"]
    challenge = form.fields["challenge"].challenge
    question = challenge.question
    a, b = [int(x) for x in re.findall(r"\d+", question)[:2]]
    answer = a + b if "加" in question else a - b
    data = form_data(grid, phone="13912345673")
    data.update({"challenge_0": challenge.token, "challenge_1": str(answer)})
    assert client.post("/report/", data).status_code == 302
    assert Case.objects.count() == 3
    # Past the limit: a 429 page, nothing saved.
    response = client.post("/report/", form_data(grid, phone="13912345674"))
    assert response.status_code == 429 and Case.objects.count() == 3


def test_one_phone_number_is_limited_across_addresses(client, grid, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 100
    settings.CITIZEN_RATE_LIMITS = {**settings.CITIZEN_RATE_LIMITS, "submit_phone": "2/3600"}
    codes = [
        client.post("/report/", form_data(grid), REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Case.objects.count() == 2


def test_the_clerk_sees_the_full_number_and_the_moderation_link(client, login, submit):
    receipt = submit()
    login("shouli01")
    html = client.get(f"/cases/{receipt.case.number}/").content.decode()
    assert "13812349000" in html and receipt.tracking_number in html
    assert f"/moderation/{receipt.tracking_number}/" in html
