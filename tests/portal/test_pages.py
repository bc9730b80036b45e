import pytest
from django.urls import reverse
from wagtail.models import Page, Site

from portal.models import (
    ContactPage,
    DepartmentIndexPage,
    GuidePage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    ResultsPage,
    ThemeSettings,
)

pytestmark = pytest.mark.django_db

PAGES = (
    HomePage,
    NewsIndexPage,
    NewsPage,
    GuidePage,
    DepartmentIndexPage,
    ContactPage,
    ResultsPage,
)


def _url(model) -> str:
    return model.objects.live().public().order_by("pk").first().url


@pytest.mark.parametrize("model", PAGES, ids=lambda m: m.__name__)
def test_every_page_type_renders_for_anonymous_readers(client, model):
    response = client.get(_url(model))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<main id="main"' in html and 'aria-label="栏目导航"' in html
    # The header keeps the citizen links.
    for label in ("我要举报", "举报查询", "举报公示"):
        assert label in html


@pytest.mark.parametrize("model", PAGES, ids=lambda m: m.__name__)
def test_query_counts_per_page(client, model, django_assert_max_num_queries):
    url = _url(model)
    with django_assert_max_num_queries(25):
        assert client.get(url)["X-Page-Cache"] == "miss"
    # A hit costs only Wagtail's routing and view-restriction check (about two queries
    # per level of the tree); nothing of the page itself is read or rendered.
    with django_assert_max_num_queries(9):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_home_lists_the_latest_news_and_this_months_figures(client):
    html = client.get("/").content.decode()
    assert "最新动态" in html and "关于汛期窨井盖安全隐患排查的通知" in html
    assert "本月关键数据" in html and 'data-figure="closure_rate"' in html
    assert "内部工作通知" not in html  # restricted, and not in the menu


def test_news_article_shows_its_photo_and_attachment(client):
    first = client.get(NewsPage.objects.get(slug="news-1").url).content.decode()
    assert 'alt="背街小巷整治后的街景"' in first
    third = client.get(NewsPage.objects.get(slug="news-3").url).content.decode()
    assert "窨井盖隐患排查表" in third and "/documents/" in third


def test_guide_is_rendered_from_the_taxonomy(client):
    from portal.city.models import Category

    category = Category.objects.filter(is_active=True).select_related("major").first()
    html = client.get(_url(GuidePage)).content.decode()
    assert category.name in html
    assert category.filing_criterion[:20] in html
    limit = category.time_limits.first()
    assert limit.get_unit_display() in html


def test_department_directory_lists_the_departments(client):
    from portal.city.models import Department

    html = client.get(_url(DepartmentIndexPage)).content.decode()
    for department in Department.objects.filter(is_active=True):
        assert department.name in html


def test_publishing_clears_the_page_cache(client):
    home = HomePage.objects.get()
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    article = NewsPage.objects.get(slug="news-1")
    article.title = "背街小巷整治第二阶段启动"
    article.save_revision().publish()
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "背街小巷整治第二阶段启动" in response.content.decode()
    article.unpublish()
    assert "背街小巷整治第二阶段启动" not in client.get("/").content.decode()
    assert home.live


def test_logged_in_staff_are_never_served_from_the_cache(client, login):
    client.get("/")
    login("xuanchuan01")
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert "工作台" in response.content.decode()


def test_internal_pages_need_a_login(client, login):
    url = NewsIndexPage.objects.get(slug="internal").url
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client.get(NewsPage.objects.get(slug="holiday-duty").url).status_code == 302
    login("shouli01")
    assert "节假日期间值班" in client.get(url).content.decode()


def test_theme_is_chosen_per_site(client):
    site = Site.objects.get(is_default_site=True)
    html = client.get("/").content.decode()
    assert "themes/jianye/css/jianye.css" in html  # the deploy-time default
    ThemeSettings.objects.update_or_create(site=site, defaults={"theme": "base"})
    html = client.get("/").content.decode()
    assert "jianye.css" not in html and 'class="brand__mark"' in html
    # A second site on another host keeps the district theme.
    other = Site.objects.create(
        hostname="jianye.example", port=80, root_page=Page.objects.get(pk=site.root_page_id)
    )
    ThemeSettings.objects.create(site=other, theme="jianye")
    html = client.get("/", HTTP_HOST="jianye.example").content.decode()
    assert "themes/jianye/css/jianye.css" in html
    assert "主办：南京市建邺区城市管理监督指挥中心" in html  # the district footer
    assert "jianye.css" not in client.get("/").content.decode()


def test_language_switch_link_sets_the_language(client):
    response = client.get(reverse("language_switch", args=["en"]), {"next": "/news/"})
    assert response.status_code == 302 and response["Location"] == "/news/"
    assert '<html lang="en">' in client.get("/news/").content.decode()
    evil = client.get(
        reverse("language_switch", args=["zh-hans"]), {"next": "https://evil.example/"}
    )
    assert evil["Location"] == "/"
    assert client.get(reverse("language_switch", args=["xx"])).status_code == 404
    assert '<html lang="zh-CN">' in client.get("/news/").content.decode()
