import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.inbox import registry
from portal.inbox.registry import Task, TaskBatch, TaskSource, inbox_collect
from portal.workflow import services as s

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def extra_source():
    """A second source beside the case loop's, removed after the test."""
    seen = []

    def fetch(user, limit):
        seen.append((user.username, limit))
        tasks = [
            Task(
                title="关于节前安全检查的请示",
                action="会签",
                url="/oa/1/",
                deadline=NOW - dt.timedelta(hours=1),
            ),
            Task(title="无期限的传阅", action="传阅", url="/oa/2/"),
            Task(
                title="明天到期",
                action="批办",
                url="/oa/3/",
                deadline=NOW + dt.timedelta(days=1),
                warn_at=NOW - dt.timedelta(hours=1),
            ),
        ]
        return TaskBatch(total=7, tasks=tasks[:limit])

    registry.task_source_register(TaskSource(key="test", label="测试", fetch=fetch, order=1))
    yield seen
    registry._SOURCES.pop("test")


def test_sources_merge_by_deadline_with_lights_and_counts(extra_source, new_case, user):
    new_case()  # an unaccepted report: an ACCEPT step for the intake desk
    inbox = inbox_collect(user=user("shouli01"), limit=10, now=NOW)
    assert extra_source == [("shouli01", 10)]
    counts = {source.key: count for source, count in inbox.sources}
    assert counts["test"] == 7 and counts["cases"] == 1
    assert inbox.total == sum(counts.values())
    titles = [task.title for task in inbox.tasks]
    # By deadline (the report of Monday morning is the most overdue), undated tasks last.
    assert titles == ["暴露垃圾", "关于节前安全检查的请示", "明天到期", "无期限的传阅"]
    by_title = {task.title: task for task in inbox.tasks}
    assert by_title["关于节前安全检查的请示"].light == "red"
    assert by_title["明天到期"].light == "yellow"
    assert by_title["暴露垃圾"].source == "cases"
    assert by_title["暴露垃圾"].action == "受理"
    assert inbox.overdue >= 1


def test_a_source_is_asked_for_at_most_the_limit(extra_source, user):
    inbox = inbox_collect(user=user("shouli01"), limit=2, now=NOW)
    assert [t.source for t in inbox.tasks].count("test") == 2
    assert dict((src.key, n) for src, n in inbox.sources)["test"] == 7


def test_page_lists_the_persons_case_steps_and_not_others(client, login, new_case, user):
    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    login("zhiban01")
    page = client.get(reverse("inbox:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and "立案" in html
    # Another role's desk does not see the filing step.
    login("paiqian01")
    assert case.number not in client.get(reverse("inbox:index")).content.decode()


def test_page_requires_login(client):
    response = client.get(reverse("inbox:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_page_query_count_does_not_grow_with_tasks(client, login, new_case):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("inbox:index")).status_code == 200
        return len(captured)

    for _ in range(3):
        new_case()
    login("shouli01")
    client.get(reverse("inbox:index"))  # warm-up
    few = queries()
    for _ in range(5):
        new_case()
    assert queries() == few <= 25
