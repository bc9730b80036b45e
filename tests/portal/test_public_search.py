"""The public search page: residents find news by Chinese words; restricted pages and
anything beyond the public index never show; hostile query strings never break it."""

import pytest
from django.urls import reverse

from portal.models import HomePage
from search.services import index_rebuild

pytestmark = pytest.mark.django_db
URL = "/search/"


@pytest.fixture
def pages():
    index_rebuild(index="pages")


def test_finds_a_news_article_by_a_chinese_word(client, pages):
    response = client.get(URL, {"q": "窨井盖"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "关于汛期窨井盖安全隐患排查的通知" in html
    assert 'href="/news/news-3/"' in html
    assert "<mark>" in html
    assert response.context["result"].total >= 1
    # The type facet is labelled by the page type's name.
    assert any(rows for _key, _label, rows in response.context["facets"])


def test_restricted_pages_never_appear_even_for_staff(client, pages, login):
    assert "关于做好节假日期间值班工作的通知" not in client.get(URL, {"q": "值班"}).content.decode()
    assert client.get(URL, {"q": "值班"}).context["result"].total == 0
    login("zhiban01")
    assert client.get(URL, {"q": "值班"}).context["result"].total == 0


def test_no_query_shows_the_form_only(client, pages):
    response = client.get(URL)
    assert response.status_code == 200 and response.context["result"] is None


def test_did_you_mean(client, pages):
    response = client.get(URL, {"q": "井盖缺矢"})
    assert response.status_code == 200
    assert response.context["result"].total == 0
    assert "井盖缺失" in response.context["result"].suggestions
    assert "?q=%E4%BA%95%E7%9B%96%E7%BC%BA%E5%A4%B1" in response.content.decode()


def test_pagination(client, pages, monkeypatch):
    monkeypatch.setattr("portal.views.SEARCH_PER_PAGE", 1)
    first = client.get(URL, {"q": "井盖"}).context
    assert first["result"].total >= 2 and first["has_next"]
    assert 'rel="next"' in client.get(URL, {"q": "井盖"}).content.decode()
    second = client.get(URL, {"q": "井盖", "page": "2"}).context
    assert second["page_number"] == 2 and len(second["result"].hits) == 1
    assert first["result"].hits[0].object_id != second["result"].hits[0].object_id


def test_type_filter(client, pages):
    response = client.get(URL, {"q": "井盖", "type": "newspage"})
    assert response.status_code == 200
    assert {h.fields["type"] for h in response.context["result"].hits} == {"newspage"}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "井盖\x00'; DROP TABLE search_searchentry; --"},
        {"q": '"'},
        {"q": "AND OR NOT * ( ) : ^ NEAR"},
        {"q": "<script>alert(1)</script>"},
        {"q": "井" * 5000},
        {"q": "井盖", "page": "-3"},
        {"q": "井盖", "page": "999999999999999999999"},
        {"q": "井盖", "page": "abc"},
        {"q": "井盖", "type": "nosuchpage"},
        {"q": "井盖", "type": "\x00"},
        {"q": "%E4%BA", "sort": "drop"},
    ],
)
def test_hostile_queries_never_fail(client, pages, params):
    response = client.get(URL, params)
    assert response.status_code in (200, 400)
    assert b"<script>alert(1)</script>" not in response.content


def test_header_has_a_search_box(client):
    home = HomePage.objects.get()
    html = client.get(home.url).content.decode()
    assert f'action="{reverse("public_search")}"' in html
