"""Who sees which item — in the selectors and in search results, totals and facets, on the
database backend and on Elasticsearch."""

import os
import uuid

import pytest
from django.core.exceptions import PermissionDenied

from portal.archive import services as a
from portal.archive.selectors import item_get, item_visible
from search.selectors import search_run
from search.services import outbox_drain, search_backend

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend(request, settings):
    if request.param == "database":
        settings.ELASTICSEARCH_URL = ""
        yield request.param
        return
    url = os.environ.get("TEST_ELASTICSEARCH_URL")
    if not url:
        pytest.fail("TEST_ELASTICSEARCH_URL is not set: run these tests with `make test-postgres`")
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:12]}-"
    yield request.param
    client = search_backend().client
    for name in client.indices.get(index=f"{settings.SEARCH_INDEX_PREFIX}*"):
        client.indices.delete(index=name)


@pytest.fixture
def items(backend, filed):
    hws = filed(description="江东中路12号门前有一堆生活垃圾无人清理")
    szc = filed(category="上水井盖", department="SZC", description="沙洲东路井盖破损有安全隐患")
    outbox_drain()
    return {"hws": hws, "szc": szc}


def _facet(result, name: str) -> dict[str, int]:
    # SQLite's JSON extraction turns a numeric string back into a number: compare as text.
    return {str(value): n for value, n in result.facets[name]}


def _codes(result) -> set[str]:
    return {hit.fields["reference_code"] for hit in result.hits}


def test_archivist_sees_everything(items, user):
    archivist = user("dangan01")
    assert set(item_visible(user=archivist)) == set(items.values())
    result = search_run(user=archivist, index="archive")
    assert result.total == 2
    assert _facet(result, "department") == {
        str(items["hws"].department_id): 1,
        str(items["szc"].department_id): 1,
    }


def test_department_sees_only_its_own_items_in_detail_list_results_facets_and_counts(items, user):
    handler = user("chuzhi_hws")
    hws, szc = items["hws"], items["szc"]
    assert list(item_visible(user=handler)) == [hws]
    assert item_get(user=handler, pk=hws.pk) == hws
    with pytest.raises(PermissionDenied):
        item_get(user=handler, pk=szc.pk)
    result = search_run(user=handler, index="archive")
    assert (result.total, _codes(result)) == (1, {hws.reference_code})
    for name, rows in result.facets.items():
        assert sum(n for _value, n in rows) == 1, name
    assert str(szc.department_id) not in _facet(result, "department")
    # Even a query naming the other item's text and a filter on its department find nothing.
    assert search_run(user=handler, index="archive", query="井盖").total == 0
    assert (
        search_run(
            user=handler, index="archive", filters={"department": str(szc.department_id)}
        ).total
        == 0
    )
    # A centre user without archive rights sees nothing at all.
    assert search_run(user=user("paiqian01"), index="archive").total == 0
    assert not item_visible(user=user("paiqian01")).exists()


def test_leader_sees_an_item_by_grant_until_revoked(items, user):
    leader, szc = user("lingdao_hws"), items["szc"]
    assert szc not in item_visible(user=leader)
    a.item_grant(item=szc, actor=user("dangan01"), user=leader)
    outbox_drain()
    assert szc in item_visible(user=leader)
    assert szc.reference_code in _codes(search_run(user=leader, index="archive"))
    a.item_revoke(item=szc, actor=user("dangan01"), user=leader)
    outbox_drain()
    assert szc not in item_visible(user=leader)
    assert szc.reference_code not in _codes(search_run(user=leader, index="archive"))


def test_restricted_item_only_to_named_people(items, user, django_capture_on_commit_callbacks):
    hws, handler, archivist = items["hws"], user("chuzhi_hws"), user("dangan01")
    with django_capture_on_commit_callbacks(execute=True):
        a.item_correct(
            item=hws, actor=archivist, changes={"classification": "restricted"}, reason="涉及隐私"
        )
    outbox_drain()
    assert hws not in item_visible(user=handler)
    assert search_run(user=handler, index="archive").total == 0
    assert (
        search_run(user=handler, index="archive", filters={"classification": "restricted"}).total
        == 0
    )
    assert hws in item_visible(user=archivist)
    named = user("lingdao_hws")
    assert hws not in item_visible(user=named)  # the department group grant does not open it
    a.item_grant(item=hws, actor=archivist, user=named)
    outbox_drain()
    assert hws in item_visible(user=named)
    result = search_run(user=named, index="archive")
    assert hws.reference_code in _codes(result)
    assert _facet(result, "classification") == {"restricted": 1}
