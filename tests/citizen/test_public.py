"""The public list, map and Atom feeds of recent reports: only public fields, only visible
reports, the location only to the grid centre, and no reporter data anywhere."""

import datetime as dt
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.urls import reverse
from django.utils import timezone

from portal.citizen.models import PublicReport
from portal.citizen.selectors import (
    PUBLIC_STATUS_OF,
    PublicStatus,
    public_status,
    report_public_feed,
    report_public_list,
    report_public_point_list,
)
from portal.citizen.services import report_moderate, report_submit
from portal.city.models import Category, Grid
from portal.workflow.models import Case, CaseAttachment, Status

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PERSONAL = ("张三", "13800138000", "x@example.com")


def _inside(grid: Grid) -> tuple[float, float]:
    """A point a little off the grid's centre, still inside the grid."""
    return (
        grid.centre_lon + (grid.max_lon - grid.min_lon) * 0.05,
        grid.centre_lat + (grid.max_lat - grid.min_lat) * 0.05,
    )


@pytest.fixture
def submit(grid):
    def _submit(category: str = "暴露垃圾", on: Grid | None = None, **kwargs) -> PublicReport:
        where = on or grid
        lon, lat = _inside(where)
        receipt = report_submit(
            channel="web",
            category=Category.objects.get(name=category),
            description=kwargs.pop("description", "路边有一堆生活垃圾无人清理"),
            lon=lon,
            lat=lat,
            name="张三",
            phone="13800138000",
            email="x@example.com",
            **kwargs,
        )
        assert receipt.case.grid_id == where.pk
        return receipt.report

    return _submit


@pytest.fixture
def other_grid(grid):
    """A grid of another street, in another major class's reach."""
    return (
        Grid.objects.exclude(community__street=grid.community.street)
        .select_related("community__street")
        .order_by("code")
        .first()
    )


@pytest.fixture
def other_category():
    garbage = Category.objects.get(name="暴露垃圾")
    return Category.objects.exclude(major=garbage.major).order_by("pk").first()


def _feed(client, url: str) -> Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content)


def _entries(feed: Element) -> list[Element]:
    return feed.findall(f"{ATOM}entry")


def test_every_internal_status_has_a_public_label():
    assert set(PUBLIC_STATUS_OF) == set(Status.values)
    assert set(PUBLIC_STATUS_OF.values()) == set(PublicStatus)


def test_public_status_groups_the_steps(submit):
    case = submit().case
    assert public_status(case) == PublicStatus.SUBMITTED
    assert str(public_status(case).label) == "待受理"
    for internal, shown in [
        (Status.FILED, "已受理"),
        (Status.HANDLED, "处理中"),
        (Status.CLOSED, "已办结"),
        (Status.DECLINED, "不予受理"),
    ]:
        case.status = internal
        assert str(public_status(case).label) == shown


def test_list_shows_public_fields_and_nothing_personal(client, submit):
    report = submit(description="江东中路垃圾堆积 <b>严重</b>")
    case = report.case
    response = client.get(reverse("citizen:report_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert report.tracking_number in html
    assert case.category.name in html
    assert case.category.major.name in html
    assert case.street.name in html
    assert "待受理" in html
    assert "江东中路垃圾堆积 &lt;b&gt;严重&lt;/b&gt;" in html
    assert f"/report/track/?number={report.tracking_number}" in html
    for secret in (*PERSONAL, case.number, str(case.lon), str(case.lat)):
        assert secret not in html


def test_list_truncates_long_descriptions(client, submit):
    submit(description="垃圾" * 300)
    html = client.get(reverse("citizen:report_list")).content.decode()
    assert "垃圾" * 55 in html
    assert "垃圾" * 61 not in html


def test_map_points_sit_on_the_grid_centre_not_the_exact_place(client, submit, grid):
    report = submit()
    response = client.get(reverse("citizen:report_map"))
    assert response.status_code == 200
    points = response.json()
    (point,) = [p for p in points if p["tracking_number"] == report.tracking_number]
    assert point == {
        "tracking_number": report.tracking_number,
        "category": "暴露垃圾",
        "status": "待受理",
        "lon": round(grid.centre_lon, 6),
        "lat": round(grid.centre_lat, 6),
        "url": f"/report/track/?number={report.tracking_number}",
    }
    assert (point["lon"], point["lat"]) != (report.case.lon, report.case.lat)
    text = response.content.decode()
    for secret in (*PERSONAL, report.case.number):
        assert secret not in text


def test_hidden_reports_are_nowhere(client, submit, user):
    shown, hidden = submit(), submit()
    report_moderate(report=hidden, actor=user("shouli01"), action="hide", reason="含个人信息")
    html = client.get(reverse("citizen:report_list")).content.decode()
    points = client.get(reverse("citizen:report_map")).json()
    street = shown.case.street.code
    for url in (
        reverse("citizen:report_feed"),
        reverse("citizen:report_feed_street", args=[street]),
    ):
        ids = [e.findtext(f"{ATOM}id") for e in _entries(_feed(client, url))]
        assert f"urn:jianye-report:{shown.tracking_number}" in ids
        assert f"urn:jianye-report:{hidden.tracking_number}" not in ids
    assert shown.tracking_number in html
    assert hidden.tracking_number not in html
    numbers = {p["tracking_number"] for p in points}
    assert shown.tracking_number in numbers
    assert hidden.tracking_number not in numbers


def test_reports_older_than_90_days_are_left_out(client, submit):
    recent, old = submit(), submit()
    PublicReport.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=91))
    numbers = {r.tracking_number for r in report_public_list()}
    assert recent.tracking_number in numbers
    assert old.tracking_number not in numbers
    assert old.tracking_number not in {p["tracking_number"] for p in report_public_point_list()}
    assert old.tracking_number not in {r.tracking_number for r in report_public_feed()}
    assert old.tracking_number not in client.get(reverse("citizen:report_list")).content.decode()


def test_filters_by_category_major_street_and_status(
    client, submit, other_grid, other_category, grid
):
    here = submit()
    there = submit(category=other_category.name, on=other_grid)
    Case.objects.filter(pk=there.case_id).update(status=Status.CLOSED)

    def shown(**query) -> set[str]:
        html = client.get(reverse("citizen:report_list"), query).content.decode()
        points = client.get(reverse("citizen:report_map"), query).json()
        in_list = {n for n in (here.tracking_number, there.tracking_number) if n in html}
        assert in_list == {p["tracking_number"] for p in points} & in_list
        assert {p["tracking_number"] for p in points} >= in_list
        return in_list

    both = {here.tracking_number, there.tracking_number}
    assert shown() == both
    assert shown(category=here.case.category_id) == {here.tracking_number}
    assert shown(major=other_category.major_id) == {there.tracking_number}
    assert shown(street=grid.community.street.code) == {here.tracking_number}
    assert shown(street=other_grid.community.street.code) == {there.tracking_number}
    assert shown(status="closed") == {there.tracking_number}
    assert shown(status="submitted") == {here.tracking_number}
    assert shown(status="in_progress") == set()


@pytest.mark.parametrize(
    "query",
    [
        {"category": "999999"},
        {"category": "abc"},
        {"major": "-1"},
        {"street": "999"},
        {"street": "南湖"},
        {"status": "bogus"},
        {"page": "99999999999999999999999"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "1e400"},
        {"category": "", "status": "", "street": ""},
        {"major": "1.5", "street": "0\u200b01"},
    ],
)
def test_bad_query_parameters_are_answered_cleanly(client, submit, query):
    report = submit()
    response = client.get(reverse("citizen:report_list"), query)
    assert response.status_code == 200
    # A filter that does not parse is ignored (and shown as an error), not a 500.
    assert report.tracking_number in response.content.decode()
    response = client.get(reverse("citizen:report_map"), query)
    assert response.status_code == 200
    assert report.tracking_number in {p["tracking_number"] for p in response.json()}


def test_unknown_category_is_reported_as_a_form_error(client, submit):
    submit()
    response = client.get(reverse("citizen:report_list"), {"category": "999999"})
    assert response.context["form"].errors["category"]


def test_list_is_paginated_by_20(client, submit):
    for _ in range(21):
        submit()
    first = client.get(reverse("citizen:report_list"))
    assert len(first.context["page"].object_list) == 20
    second = client.get(reverse("citizen:report_list"), {"page": 2})
    assert len(second.context["page"].object_list) >= 1
    assert 'rel="next"' in first.content.decode()


def test_thumbnail_is_the_first_visible_public_copy(client, submit):
    report = submit()
    now = timezone.now()

    def photo(name: str, *, hidden: bool = False, public: bool = True, minutes: int = 0):
        return CaseAttachment.objects.create(
            case=report.case,
            kind=CaseAttachment.Kind.BEFORE,
            file=f"cases/2026/01/original-{name}.jpg",
            public_file=f"public/2026/01/public-{name}.jpg" if public else "",
            hidden=hidden,
            content_type="image/jpeg",
            size=1,
            sha256="0" * 64,
            uploaded_at=now + dt.timedelta(minutes=minutes),
        )

    photo("hidden", hidden=True, minutes=0)
    photo("unprocessed", public=False, minutes=1)
    photo("shown", minutes=2)
    photo("later", minutes=3)
    html = client.get(reverse("citizen:report_list")).content.decode()
    assert "public-shown.jpg" in html
    for absent in ("public-hidden", "public-later", "original-"):
        assert absent not in html


def test_district_feed_items(client, submit, other_grid):
    report = submit(description="路灯不亮 <script>")
    submit(on=other_grid)
    feed = _feed(client, reverse("citizen:report_feed"))
    entries = _entries(feed)
    assert len(entries) >= 2
    (entry,) = [
        e
        for e in entries
        if e.findtext(f"{ATOM}id") == f"urn:jianye-report:{report.tracking_number}"
    ]
    case = report.case
    assert entry.findtext(f"{ATOM}title") == f"[暴露垃圾] {case.street.name} · 待受理"
    link = entry.find(f"{ATOM}link").get("href")
    assert link.endswith(f"/report/track/?number={report.tracking_number}")
    assert entry.findtext(f"{ATOM}published")
    summary = entry.findtext(f"{ATOM}summary")
    assert "路灯不亮 &lt;script&gt;" in summary
    text = client.get(reverse("citizen:report_feed")).content.decode()
    for secret in (*PERSONAL, case.number, str(case.lon), str(case.lat)):
        assert secret not in text


def test_street_feed_holds_only_that_street(client, submit, grid, other_grid):
    here, there = submit(), submit(on=other_grid)
    code = grid.community.street.code
    feed = _feed(client, reverse("citizen:report_feed_street", args=[code]))
    ids = {e.findtext(f"{ATOM}id") for e in _entries(feed)}
    assert f"urn:jianye-report:{here.tracking_number}" in ids
    assert f"urn:jianye-report:{there.tracking_number}" not in ids
    streets = {r.case.street.code for r in report_public_feed(street=grid.community.street)}
    assert streets == {code}
    assert grid.community.street.name in feed.findtext(f"{ATOM}title")


def test_feed_keeps_the_latest_50(client, submit):
    for _ in range(51):
        submit()
    assert len(_entries(_feed(client, reverse("citizen:report_feed")))) == 50


@pytest.mark.parametrize("code", ["999", "abc", "0011"])
def test_unknown_street_feed_is_404(client, code):
    assert client.get(reverse("citizen:report_feed_street", args=[code])).status_code == 404


def test_query_counts_do_not_grow_with_reports(
    client, submit, other_grid, django_assert_max_num_queries
):
    for i in range(25):
        report = submit(on=other_grid if i % 2 else None)
        CaseAttachment.objects.create(
            case=report.case,
            kind=CaseAttachment.Kind.BEFORE,
            file=f"cases/x/{i}.jpg",
            public_file=f"public/x/{i}.jpg",
            content_type="image/jpeg",
            size=1,
            sha256="0" * 64,
            uploaded_at=timezone.now(),
        )
    # Warm: the per-process site caches (themes, menu) are built by the first request.
    client.get(reverse("citizen:report_list"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("citizen:report_list"), {"status": "submitted"})
    assert response.status_code == 200
    assert html_count(response, "report-card__photo") == 20
    with django_assert_max_num_queries(5):
        assert len(client.get(reverse("citizen:report_map")).json()) >= 25
    with django_assert_max_num_queries(5):
        assert len(_entries(_feed(client, reverse("citizen:report_feed")))) >= 25
    code = other_grid.community.street.code
    with django_assert_max_num_queries(5):
        _feed(client, reverse("citizen:report_feed_street", args=[code]))


def html_count(response, needle: str) -> int:
    return response.content.decode().count(needle)
