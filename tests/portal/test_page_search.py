import pytest
from django.contrib.auth.models import AnonymousUser

from portal.models import HomePage
from search.selectors import search_run
from search.services import index_rebuild, outbox_drain

pytestmark = pytest.mark.django_db


def test_public_pages_are_searchable_by_anyone():
    index_rebuild(index="pages")
    result = search_run(user=AnonymousUser(), index="pages", query="井盖")
    hits = {h.title: h.url for h in result.hits}
    assert hits["建邺数字城管"] == "/"
    # A news article's StreamField body is indexed too.
    assert hits["关于汛期窨井盖安全隐患排查的通知"] == "/news/news-3/"
    # Pages behind a view restriction stay out of the public index.
    assert search_run(user=AnonymousUser(), index="pages", query="值班").total == 0


def test_publishing_and_unpublishing_update_the_index():
    index_rebuild(index="pages")
    home = HomePage.objects.get()
    home.notice = "台风天气道路积水请绕行"
    home.save_revision().publish()
    outbox_drain()
    assert search_run(user=AnonymousUser(), index="pages", query="台风").total == 1
    home.unpublish()
    outbox_drain()
    assert search_run(user=AnonymousUser(), index="pages", query="台风").total == 0
