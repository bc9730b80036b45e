import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_home_page_is_in_chinese_with_district_figures(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "建邺数字城管" in html
    assert "12345" in html
    assert "单元网格" in html and "<dd>835</dd>" in html
    assert "<dd>49</dd>" in html  # management modules


def test_home_page_query_count(client, django_assert_max_num_queries):
    client.get("/")
    with django_assert_max_num_queries(15):
        assert client.get("/").status_code == 200


def test_language_switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Staff login" in html
    assert "Unit grid" in html


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert client.post("/healthz").status_code == 405


def test_admin_login_page_is_reachable(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/").status_code == 200


def test_unknown_page_is_a_404_not_a_500(client):
    assert client.get("/no-such-page/").status_code == 404


def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_nul_characters_are_refused_with_a_400(client):
    response = client.get("/?q=%00")
    assert response.status_code == 400
    assert "非法字符" in response.content.decode()
    assert client.get("/cases/%00/").status_code == 400
