"""Official documents in search: who finds which document — in results, totals and facets —
on the database backend and on Elasticsearch, mirroring document_list exactly."""

import os
import uuid

import pytest

from portal.accounts.models import User
from portal.accounts.roles import role_group
from portal.city.models import Department
from portal.oa import services as s
from portal.oa.models import Classification, DocType, Status
from portal.oa.selectors import document_list
from search.models import OutboxEntry
from search.selectors import search_run
from search.services import outbox_drain, search_backend
from tests.oa.conftest import DRAFTER, REGISTRAR, REVIEWER, SIGNER

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
def documents(backend, user, draft_data, walk):
    """A draft only its drafter sees, a notice in 签发, an issued 通报 and an 内部 document
    in 审核 named to one reviewer."""
    drafter = user(DRAFTER)
    draft = s.document_create(
        actor=drafter,
        data=draft_data(title="关于井盖巡查的通知（草稿）", body="请各街道开展井盖巡查。"),
    )
    signing = walk(
        s.document_create(
            actor=drafter,
            data=draft_data(
                title="关于开展占道经营整治的通知", body="沙洲街道开展占道经营专项整治。"
            ),
        ),
        Status.SIGN,
    )
    issued = walk(
        s.document_create(
            actor=drafter,
            data=draft_data(
                doc_type=DocType.BULLETIN,
                title="关于渣土车违规运输的通报",
                body="对渣土车违规运输行为予以通报。",
            ),
        ),
        Status.DISPATCH,
    )
    issued = s.document_dispatch(document=issued, actor=user(REGISTRAR))
    internal = walk(
        s.document_create(
            actor=drafter,
            data=draft_data(
                title="关于人事安排的内部通知",
                body="人事安排事项，仅限知悉范围内人员阅知。",
                classification=Classification.INTERNAL,
                readers=[user(REVIEWER)],
            ),
        ),
        Status.REVIEW,
    )
    outbox_drain()
    return {"draft": draft, "signing": signing, "issued": issued, "internal": internal}


def _ids(result) -> set[int]:
    return {int(hit.object_id) for hit in result.hits}


def _facet(result, name: str) -> dict[str, int]:
    # SQLite's JSON extraction turns a numeric string back into a number: compare as text.
    return {str(value): n for value, n in result.facets[name]}


def test_every_transition_queues_the_document_and_the_drain_indexes_it(documents, user):
    assert not OutboxEntry.objects.exists()
    assert search_backend().count("oa") == 4
    draft = documents["draft"]
    s.document_submit(document=draft, actor=user(DRAFTER))
    assert list(OutboxEntry.objects.values_list("index", "object_id")) == [("oa", str(draft.pk))]
    # Before the drain the reviewer does not see it yet; after it they do.
    assert draft.pk not in _ids(search_run(user=user(REVIEWER), index="oa"))
    outbox_drain()
    assert draft.pk in _ids(search_run(user=user(REVIEWER), index="oa", query="井盖"))


def test_search_mirrors_document_list_for_every_active_account(documents):
    for account in User.objects.filter(is_active=True):
        expected = {d.pk for d in document_list(user=account)}
        result = search_run(user=account, index="oa", per_page=100)
        assert (_ids(result), result.total) == (expected, len(expected)), account.username


def test_drafter_sees_own_documents_with_facets(documents, user):
    result = search_run(user=user(DRAFTER), index="oa")
    assert result.total == 4
    assert _facet(result, "status") == {"draft": 1, "sign": 1, "issued": 1, "review": 1}
    assert _facet(result, "doc_type") == {"notice": 3, "bulletin": 1}
    assert _facet(result, "organ") == {str(documents["issued"].organ_id): 4}
    assert sum(_facet(result, "year").values()) == 4
    found = search_run(user=user(DRAFTER), index="oa", query="渣土车")
    assert _ids(found) == {documents["issued"].pk}
    assert "<mark>渣土</mark>" in found.hits[0].snippet
    assert found.hits[0].url == f"/oa/{documents['issued'].pk}/"
    by_number = search_run(user=user(DRAFTER), index="oa", query=documents["issued"].number)
    assert _ids(by_number) == {documents["issued"].pk}
    filtered = search_run(user=user(DRAFTER), index="oa", filters={"doc_type": "bulletin"})
    assert _ids(filtered) == {documents["issued"].pk}


def test_outsider_sees_nothing_not_even_in_counts_and_facets(documents, user):
    outsider = user("lingdao_hws")
    for query in ("", "通知", "井盖", "占道经营", "人事安排"):
        result = search_run(user=outsider, index="oa", query=query)
        assert result.total == 0 and result.hits == [], query
        assert all(rows == [] for rows in result.facets.values()), query
    assert search_run(user=outsider, index="oa", filters={"status": "draft"}).total == 0


def test_draft_is_the_drafters_alone(documents, user):
    for username in (REVIEWER, SIGNER, REGISTRAR):
        result = search_run(user=user(username), index="oa", query="井盖")
        assert result.total == 0, username


def test_internal_document_only_for_named_readers_in_the_flow(documents, user):
    internal = documents["internal"]
    reviewer = user(REVIEWER)
    assert internal.pk in _ids(search_run(user=reviewer, index="oa", query="人事安排"))
    # Same role, same group grant, not named: neither the document nor its counts.
    other = User.objects.create(username="hegao99", is_staff=True)
    other.groups.add(role_group("oa_reviewer"))
    result = search_run(user=other, index="oa")
    # The group grant opens the 非密 documents submitted to the office, not the 内部 one.
    assert _ids(result) == {documents["signing"].pk, documents["issued"].pk}
    assert _facet(result, "status").get("review", 0) == 0
    assert search_run(user=other, index="oa", query="人事安排").total == 0
    # Named, but the flow has not reached them yet: not visible either.
    assert search_run(user=user(REGISTRAR), index="oa", query="人事安排").total == 0


def test_countersigning_department_finds_it_once_its_round_opens(backend, user, draft_data, walk):
    hws = Department.objects.get(code="HWS")
    document = walk(
        s.document_create(
            actor=user(DRAFTER),
            data=draft_data(title="关于垃圾分类督查的通知", countersign=[hws]),
        ),
        Status.REVIEW,
    )
    outbox_drain()
    leader = user("lingdao_hws")
    assert search_run(user=leader, index="oa", query="垃圾分类").total == 0
    s.document_review(document=document, actor=user(REVIEWER), approved=True)
    outbox_drain()
    assert _ids(search_run(user=leader, index="oa", query="垃圾分类")) == {document.pk}
    assert search_run(user=user("lingdao_szc"), index="oa", query="垃圾分类").total == 0


def test_deactivated_account_finds_nothing(documents, user):
    drafter = user(DRAFTER)
    drafter.is_active = False
    drafter.save()
    assert search_run(user=drafter, index="oa").total == 0
