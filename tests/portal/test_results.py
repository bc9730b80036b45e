import datetime as dt

import pytest

from portal.city.calendar import SHANGHAI
from portal.models import ResultsPage
from portal.results import month_period, quarter_period, results_get, results_snapshot_freeze
from portal.templatetags.portal_tags import percent
from portal.workflow import services as s
from portal.workflow.evaluation import area_evaluation, department_evaluation, headline_get

pytestmark = pytest.mark.django_db

NOVEMBER = month_period(2026, 11)


@pytest.fixture
def filed(new_case, user):
    def _filed(at: dt.datetime):
        case = new_case(at=at)
        s.case_accept(case=case, actor=user("shouli01"), at=at + dt.timedelta(minutes=10))
        return s.case_file(case=case, actor=user("zhiban01"), at=at + dt.timedelta(minutes=20))

    return _filed


@pytest.fixture
def results_page():
    index = ResultsPage.objects.first().get_parent()
    page = ResultsPage(title="2026年11月城市管理成效", slug="2026-11", year=2026, number=11)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def _headline_cells(html: str) -> dict:
    import re

    return dict(re.findall(r'data-figure="(\w+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', html))


def test_periods_cover_whole_months_and_quarters():
    assert (NOVEMBER.start, NOVEMBER.end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    q = quarter_period(2026, 4)
    assert (q.start, q.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_results_page_numbers_equal_the_evaluation_selectors(client, filed, results_page):
    for day in (2, 9, 16):
        filed(dt.datetime(2026, 11, day, 9, 0, tzinfo=SHANGHAI))
    figures = results_get(period=NOVEMBER)
    assert figures["headline"] == headline_get(period=NOVEMBER)
    assert figures["headline"]["filed"] == 3
    assert [r["name"] for r in figures["streets"]] == [
        r["name"] for r in area_evaluation(period=NOVEMBER, level="street")
    ]
    assert figures["streets"][0]["filed"] == 3
    assert [(r["name"], r["score"]) for r in figures["departments"]] == [
        (r["name"], r["score"]) for r in department_evaluation(period=NOVEMBER)
    ]
    html = client.get(results_page.url).content.decode()
    cells = _headline_cells(html)
    headline = headline_get(period=NOVEMBER)
    assert cells["discovery_rate"] == percent(headline["discovery_rate"]) == "100.0%"
    assert cells["closure_rate"] == percent(headline["closure_rate"])
    assert "本期立案 3 件" in html
    assert "实时数据，尚未核定" in html


def test_a_frozen_snapshot_keeps_its_numbers_after_new_cases(client, filed, results_page, user):
    filed(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    revision = results_snapshot_freeze(page=results_page, user=user("xuanchuan02"))
    revision.publish(user=user("xuanchuan02"))
    filed(dt.datetime(2026, 11, 3, 9, 0, tzinfo=SHANGHAI))
    filed(dt.datetime(2026, 11, 4, 9, 0, tzinfo=SHANGHAI))

    assert headline_get(period=NOVEMBER)["filed"] == 3  # the live figure moved on
    page = ResultsPage.objects.get(pk=results_page.pk)
    assert page.snapshot["headline"]["filed"] == 1
    assert page.figures()["headline"]["filed"] == 1
    html = client.get(page.url).content.decode()
    assert "本期立案 1 件" in html
    assert "数据已于" in html
    # The snapshot lives in the page's revisions: the history shows who froze it.
    assert page.revisions.count() == 2
    assert page.latest_revision.content["snapshot"]["headline"]["filed"] == 1


def test_a_frozen_page_cannot_change_its_period(results_page, user):
    results_snapshot_freeze(page=results_page, user=user("xuanchuan02")).publish()
    page = ResultsPage.objects.get(pk=results_page.pk)
    page.number = 10
    with pytest.raises(Exception, match="已冻结"):
        page.full_clean()


def test_demo_results_page_is_frozen_and_published(client):
    page = ResultsPage.objects.get()
    assert page.live and page.snapshot is not None
    assert client.get(page.url).status_code == 200
