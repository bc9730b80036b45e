"""The case loop over HTTP: every role logged in with only its own permissions."""

import io

import pytest
from PIL import Image

from portal.city.models import Category, Department
from portal.workflow.models import Case, CaseAttachment, Status

pytestmark = pytest.mark.django_db


def jpeg(name="photo.jpg") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def act(client, case, action, **data):
    case.refresh_from_db()
    # Callables make a fresh value per post (an upload stream is consumed by each request).
    data = {key: value() if callable(value) else value for key, value in data.items()}
    return client.post(f"/cases/{case.number}/{action}/", {"version": case.version, **data})


def as_user(client, login, username):
    client.logout()
    return login(username)


def test_walk_one_case_from_report_to_close(client, login, grid):
    supervisor = grid.supervisor.username
    category = Category.objects.get(name="暴露垃圾")
    login(supervisor)
    response = client.post(
        "/cases/new/",
        {
            "category": category.pk,
            "urgency": "normal",
            "description": "江东中路路边垃圾堆放",
            "address": "江东中路12号",
            "lon": grid.centre_lon,
            "lat": grid.centre_lat,
            "photo": jpeg(),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.attachments.get().kind == CaseAttachment.Kind.BEFORE

    steps = [
        ("shouli01", "accept", {}, ["jiandu001", "paiqian01", "chuzhi_hws"]),
        ("zhiban01", "file", {}, ["shouli01", "paiqian01"]),
        (
            "paiqian01",
            "dispatch",
            {"department": Department.objects.get(code="HWS").pk},
            ["zhiban01", "shouli01"],
        ),
        ("chuzhi_hws", "handle", {"result": "已清运", "photo": jpeg}, ["chuzhi_cgzf", "paiqian01"]),
        (supervisor, "check", {"passed": "1"}, ["chuzhi_hws", "jiandu002"]),
        ("zhiban01", "close", {}, ["paiqian01", "chuzhi_hws"]),
    ]
    for username, action, data, wrong_users in steps:
        for wrong in wrong_users:
            if wrong == supervisor:
                continue
            as_user(client, login, wrong)
            refused = act(client, case, action, **data)
            assert refused.status_code == 403, (action, wrong)
        as_user(client, login, username)
        page = client.get(f"/cases/{case.number}/")
        assert page.status_code == 200
        assert f'data-action="{action}"' in page.content.decode()
        response = act(client, case, action, **data)
        assert response.status_code == 302, (action, response.content.decode()[:500])
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.attachments.filter(kind="after").exists()
    timeline = client.get(f"/cases/{case.number}/").content.decode()
    for label in ("上报", "受理", "立案", "派遣", "处置反馈", "核查", "结案"):
        assert label in timeline


def test_departments_see_only_their_cases(client, login, new_case, user):
    from portal.workflow import services as s

    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    other = new_case()
    login("chuzhi_hws")
    listing = client.get("/cases/").content.decode()
    assert case.number in listing and other.number not in listing
    assert client.get(f"/cases/{case.number}/").status_code == 200
    assert client.get(f"/cases/{other.number}/").status_code == 403
    assert client.get("/cases/JY2099010100001/").status_code == 404
    as_user(client, login, "chuzhi_cgzf")
    assert client.get(f"/cases/{case.number}/").status_code == 403


def test_anonymous_users_are_sent_to_login(client, new_case):
    case = new_case()
    response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_double_submit_is_a_409_with_one_transition(client, login, new_case):
    case = new_case()
    login("shouli01")
    version = case.version
    first = client.post(f"/cases/{case.number}/accept/", {"version": version})
    second = client.post(f"/cases/{case.number}/accept/", {"version": version})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "不能执行此操作" in second.content.decode()
    assert case.events.filter(action="accept").count() == 1


def test_bad_input_is_a_400_with_messages_and_nothing_changes(client, login, new_case):
    case = new_case()
    login("shouli01")
    response = act(client, case, "decline", reason="")
    assert response.status_code == 400
    assert "必需字段" in response.content.decode()  # the field error, shown beside the field
    case.refresh_from_db()
    assert case.status == Status.REPORTED


def test_fake_image_is_refused(client, login, grid):
    login(grid.supervisor.username)
    fake = io.BytesIO(b"<svg onload=alert(1)></svg>")
    fake.name = "photo.jpg"
    response = client.post(
        "/cases/new/",
        {
            "category": Category.objects.get(name="暴露垃圾").pk,
            "urgency": "normal",
            "description": "x",
            "lon": grid.centre_lon,
            "lat": grid.centre_lat,
            "photo": fake,
        },
    )
    assert response.status_code == 400
    assert "“photo.jpg”含有网页或脚本代码" in response.content.decode()
    assert not Case.objects.exists()


def test_report_outside_district_shows_a_form_error(client, login, grid):
    login(grid.supervisor.username)
    response = client.post(
        "/cases/new/",
        {
            "category": Category.objects.get(name="暴露垃圾").pk,
            "urgency": "normal",
            "description": "x",
            "lon": 118.9,
            "lat": 32.3,
        },
    )
    assert response.status_code == 400
    assert "不在本区范围内" in response.content.decode()
    assert not Case.objects.exists()


def test_only_supervisors_report(client, login):
    login("chuzhi_hws")
    assert client.get("/cases/new/").status_code == 403


def test_list_filters_by_light_and_shows_remaining_time(client, login, new_case):
    overdue = new_case()  # reported Monday 23 Nov 09:00: its 1-hour acceptance limit has passed
    login("shouli01")
    red = client.get("/cases/?light=red").content.decode()
    assert overdue.number in red and "超期" in red
    assert overdue.number not in client.get("/cases/?light=green").content.decode()


def test_case_list_query_count(client, login, new_case, django_assert_max_num_queries):
    for _ in range(12):
        new_case()
    login("shouli01")
    client.get("/cases/")
    with django_assert_max_num_queries(12):
        assert client.get("/cases/").status_code == 200


def _dispatched(new_case, user):
    from portal.workflow import services as s

    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    return s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )


def test_return_over_http_needs_the_shift_leader(client, login, new_case, user):
    case = _dispatched(new_case, user)
    login("chuzhi_hws")
    assert act(client, case, "request_return", reason="不属于本部门职责").status_code == 302
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "待审批" in page and 'data-action="handle"' not in page
    login("paiqian01")
    assert (
        client.post(f"/cases/{case.number}/decide/", {"version": 0, "approve": "1"}).status_code
        == 403
    )
    login("zhiban01")
    assert (
        client.post(f"/cases/{case.number}/decide/", {"version": 0, "approve": "1"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == Status.FILED and case.return_count == 1
    login("chuzhi_hws")
    assert client.get(f"/cases/{case.number}/").status_code == 200  # its own history stays readable
    assert act(client, case, "handle", result="x").status_code == 403


def test_extension_over_http_validates_hours(client, login, new_case, user):
    case = _dispatched(new_case, user)
    login("chuzhi_hws")
    bad = act(client, case, "request_extension", reason="需要调度车辆", extra_hours="0")
    assert bad.status_code == 400
    assert (
        act(client, case, "request_extension", reason="需要调度车辆", extra_hours="4").status_code
        == 302
    )
    login("zhiban01")
    before = case.handling_deadline
    assert (
        client.post(f"/cases/{case.number}/decide/", {"version": 0, "approve": "1"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.extension_count == 1 and case.handling_deadline > before


def test_rework_over_http(client, login, new_case, user, grid):
    case = _dispatched(new_case, user)
    login("chuzhi_hws")
    assert act(client, case, "handle", result="已处理").status_code == 302
    login(grid.supervisor.username)
    assert (
        act(client, case, "check", passed="0").status_code == 400
    )  # a failed check needs a reason
    assert act(client, case, "check", passed="0", comment="仍有垃圾").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.rework_count == 1


def test_unknown_action_is_a_404(client, login, new_case):
    case = new_case()
    login("shouli01")
    assert client.post(f"/cases/{case.number}/explode/", {"version": 0}).status_code == 404
