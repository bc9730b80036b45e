"""Reads of the archive: which items a user may see, one item, facet names."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.archive.models import (
    ArchivalItem,
    Classification,
    ItemGroupObjectPermission,
    ItemUserObjectPermission,
    Retention,
)
from portal.city.models import Category, Department, Street
from portal.workflow.models import Source


def item_visible(*, user: User) -> QuerySet[ArchivalItem]:
    """Items the user may see. Unrestricted: archivists (archive.view_archivalitem) all;
    others those granted to them or to a group of theirs (their department's own cases,
    leaders by grant). Restricted (any 密级 mark): holders of view_restricted_archivalitem,
    and people named on the item."""
    items = ArchivalItem.objects.all()
    if not user.is_authenticated or not user.is_active:
        return items.none()
    own = ItemUserObjectPermission.objects.filter(
        user=user, permission__codename="view_archivalitem"
    ).values("content_object_id")
    by_group = ItemGroupObjectPermission.objects.filter(
        group__in=user.groups.all(), permission__codename="view_archivalitem"
    ).values("content_object_id")
    restricted = ~Q(classification="")
    if user.has_perm("archive.view_archivalitem"):
        open_q = ~restricted
    else:
        open_q = ~restricted & (Q(pk__in=own) | Q(pk__in=by_group))
    if user.has_perm("archive.view_restricted_archivalitem"):
        restricted_q = restricted
    else:
        restricted_q = restricted & Q(pk__in=own)
    return items.filter(open_q | restricted_q)


def item_get(*, user: User, pk: int) -> ArchivalItem:
    """One item for the user: 404 if there is none, 403 if it is not theirs to see."""
    item = (
        ArchivalItem.objects.select_related("street", "department", "category", "filed_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    if not item_visible(user=user).filter(pk=pk).exists():
        raise PermissionDenied
    return item


def facet_names() -> dict[str, dict[str, str]]:
    """Display names of the archive's facet values (all strings, as indexed)."""
    return {
        "year": {},
        "retention": {k: str(v) for k, v in Retention.choices},
        "street": {str(pk): name for pk, name in Street.objects.values_list("pk", "name")},
        "department": {str(pk): name for pk, name in Department.objects.values_list("pk", "name")},
        "category": {str(pk): name for pk, name in Category.objects.values_list("pk", "name")},
        "channel": {k: str(v) for k, v in Source.choices},
        "classification": {("none" if k == "" else k): str(v) for k, v in Classification.choices},
    }
