"""The publicity workflow over HTTP, as users holding only their roles' permissions."""

import pytest
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from portal.models import NewsIndexPage, NewsPage

pytestmark = pytest.mark.django_db


def _form(title: str, text: str, action: str) -> dict:
    data = nested_form_data(
        {
            "title": title,
            "slug": "flood-season",
            "date": "2026-11-20",
            "kind": "notice",
            "summary": "",
            "cover_alt": "",
            "body": streamfield([("paragraph", rich_text(f"<p>{text}</p>"))]),
            "comments": {
                "TOTAL_FORMS": 0,
                "INITIAL_FORMS": 0,
                "MIN_NUM_FORMS": 0,
                "MAX_NUM_FORMS": 1000,
            },
        }
    )
    data[action] = "1"
    return data


def _task_state(page) -> TaskState:
    return WorkflowState.objects.get(
        base_content_type__isnull=False,
        object_id=str(page.pk),
        status=WorkflowState.STATUS_IN_PROGRESS,
    ).current_task_state


def _act(client, page, action: str, **data):
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, action, _task_state(page).pk)
    )
    return client.post(url, data)


def test_editor_submits_reviewer_rejects_editor_fixes_reviewer_publishes(client, login):
    index = NewsIndexPage.objects.get(slug="news")
    login("xuanchuan01")
    add = reverse("wagtailadmin_pages:add", args=("portal", "newspage", index.pk))
    response = client.post(add, _form("汛期安全提示", "请注意井盖安全。", "action-submit"))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = NewsPage.objects.get(slug="flood-season")
    assert not page.live
    assert _task_state(page).task.name == "宣传负责人审核"

    # The editor may not approve their own submission.
    assert _act(client, page, "approve").status_code in (302, 403)  # denied: back to /admin/
    page.refresh_from_db()
    assert not page.live

    login("xuanchuan02")
    response = _act(client, page, "reject", comment="标题请写明发布单位。")
    assert response.status_code in (200, 302)
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    rejected = TaskState.objects.filter(workflow_state=state).latest("pk")
    assert rejected.status == TaskState.STATUS_REJECTED
    assert rejected.get_comment() == "标题请写明发布单位。"

    login("xuanchuan01")
    edit = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = client.post(
        edit, _form("区城管局：汛期安全提示", "请注意井盖安全。", "action-submit")
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live

    login("xuanchuan02")
    response = _act(client, page, "approve", comment="同意发布。")
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live and page.title == "区城管局：汛期安全提示"
    assert "区城管局：汛期安全提示" in client.get(page.url).content.decode()
    # Revisions keep the history: the first, rejected version can still be compared or restored.
    assert page.revisions.count() >= 2


def test_editor_cannot_publish_directly_and_other_staff_cannot_edit(client, login):
    page = NewsPage.objects.get(slug="news-1")
    edit = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    login("xuanchuan01")
    assert client.get(edit).status_code == 200
    client.post(edit, _form("未经审核的标题", "正文", "action-publish"))
    page.refresh_from_db()
    assert page.title != "未经审核的标题" and page.live
    assert page.get_latest_revision_as_object().title == "未经审核的标题"  # kept as a draft

    login("shouli01")  # staff with admin access, but no publicity role
    assert client.get(edit).status_code in (302, 403)
    client.post(edit, _form("受理员改的标题", "正文", "action-publish"))
    page.refresh_from_db()
    assert page.title != "受理员改的标题"


def test_publicity_head_can_schedule_publishing(client, login):
    page = NewsPage.objects.get(slug="news-2")
    login("xuanchuan02")
    edit = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    data = _form("定时发布的标题", "正文", "action-publish")
    data["go_live_at"] = "2099-01-01 09:00"
    client.post(edit, data)
    page.refresh_from_db()
    assert page.title != "定时发布的标题"
    assert page.get_latest_revision().approved_go_live_at is not None
