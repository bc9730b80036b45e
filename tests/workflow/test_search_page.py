import pytest

from portal.city.models import Department
from portal.workflow import services as s
from search.services import outbox_drain

pytestmark = pytest.mark.django_db


def test_search_page_respects_permissions_and_escapes(client, login, new_case, user):
    mine = new_case(description="应天大街<script>alert(1)</script>暴露垃圾无人清理")
    s.case_accept(case=mine, actor=user("shouli01"))
    s.case_file(case=mine, actor=user("zhiban01"))
    s.case_dispatch(
        case=mine, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    other = new_case(category="占道经营", description="沙洲东路流动摊贩占道经营垃圾满地")
    outbox_drain()
    login("chuzhi_hws")
    html = client.get("/cases/search/?q=垃圾").content.decode()
    assert mine.number in html and other.number not in html
    assert "找到 1 件" in html
    assert "<script>alert(1)" not in html and "alert(1)&lt;/script&gt;" in html
    assert "<mark>垃圾</mark>" in html
    login("zhiban01")
    html = client.get("/cases/search/?q=垃圾").content.decode()
    assert mine.number in html and other.number in html
    facet = client.get("/cases/search/?q=垃圾&status=reported").content.decode()
    assert other.number in facet and mine.number not in facet
    assert client.get("/cases/search/?q=垃圾&page=x").status_code == 200


def test_search_page_sort_choice_is_kept(client, login):
    login("zhiban01")
    html = client.get("/cases/search/?q=垃圾&sort=relevance").content.decode()
    assert '<option value="relevance" selected>' in html
