"""Who may write and publish the public site (Plone's simple publication workflow, the
Wagtail way): 宣传编辑 drafts and submits, 宣传负责人 reviews and publishes.

Wagtail page permissions are granted on the home page's subtree to the two publicity
roles only; its moderation workflow has one group-approval task for the publicity head.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from portal.accounts.roles import role_group

WORKFLOW_NAME = "门户发布审核"
TASK_NAME = "宣传负责人审核"
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
HEAD_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
MEDIA_PERMISSIONS = {
    "wagtailimages": ("add_image", "change_image", "choose_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
}


def _grant_pages(group: Group, page: Page, codenames: tuple[str, ...]) -> None:
    wanted = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=codenames
    )
    GroupPagePermission.objects.filter(group=group, page=page).exclude(
        permission__in=wanted
    ).delete()
    for permission in wanted:
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def _grant_media(group: Group) -> None:
    # Wagtail's migration creates the root collection; recreate it if the data was emptied
    # after migrating (a test flush, a restore of data only), as site_setup does for pages.
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    for app_label, codenames in MEDIA_PERMISSIONS.items():
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        ):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=permission
            )


@transaction.atomic
def editorial_setup(*, home: Page) -> Workflow:
    """Grant the publicity roles their page and media permissions on the site and attach
    the review workflow to it (idempotent)."""
    editor, head = role_group("publicity_editor"), role_group("publicity_head")
    _grant_pages(editor, home, EDITOR_PAGE_PERMISSIONS)
    _grant_pages(head, home, HEAD_PAGE_PERMISSIONS)
    for group in (editor, head):
        _grant_media(group)
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.set([head])
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    return workflow
