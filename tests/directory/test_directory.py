import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_tree_lists_units_communities_and_staff(client, login):
    login("jiandu001")
    page = client.get(reverse("directory:index"))
    assert page.status_code == 200
    html = page.content.decode()
    for heading in ("监督指挥中心", "专业部门", "街道办事处"):
        assert heading in html
    # A street office holds its communities, and community staff sit under their community.
    assert html.count('class="directory-unit directory-unit--child"') == 41
    assert "shequ" in html and "jiedao" in html


def test_search_by_role_keeps_only_matching_people(client, login):
    login("jiandu001")
    html = client.get(reverse("directory:index"), {"q": "签发领导"}).content.decode()
    assert "qianfa01" in html
    assert "shouli01" not in html
    html = client.get(reverse("directory:index"), {"q": "没有这个人"}).content.decode()
    assert "没有找到匹配的人员" in html


def test_mobiles_are_masked_outside_ones_own_department(client, login, user):
    colleague = user("shouli01")  # the centre, like the supervisor below
    outsider = user("chuzhi_hws")
    login("jiandu001")
    html = client.get(reverse("directory:index")).content.decode()
    assert colleague.phone in html
    assert outsider.phone not in html and outsider.masked_phone in html


def test_anonymous_and_non_staff_are_refused(client, user):
    assert client.get(reverse("directory:index")).status_code == 302
    person = user("shouli01")
    person.is_staff = False
    person.save(update_fields=["is_staff"])
    client.force_login(person)
    assert client.get(reverse("directory:index")).status_code == 403


def test_query_count_is_flat(client, login, django_assert_max_num_queries):
    login("jiandu001")
    client.get(reverse("directory:index"))
    with django_assert_max_num_queries(12):
        client.get(reverse("directory:index"))
