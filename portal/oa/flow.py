"""The frame every OA transition runs in, for the 发文 and the 收文 flow alike.

`step(...)` locks the document row, checks that the actor may read it (and holds the
step's model permission), checks its state and the version the actor saw; the body of
the `with` applies the step; the frame saves. `record(...)` moves the document to its
next status, bumps its version and appends the event to its processing history. A
stale or double press is a TransitionConflict (a 409 in the views).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User


class TransitionConflict(Exception):
    """The document is not (or no longer) in a state this action starts from."""

    def __init__(self, document, action: str) -> None:
        self.document = document
        self.action = action
        super().__init__(
            _("公文“%(t)s”当前处于“%(s)s”环节，不能执行此操作（可能已被他人处理）。")
            % {"t": document.title, "s": document.get_status_display()}
        )


def refuse() -> PermissionDenied:
    return PermissionDenied(_("您没有执行此操作的权限。"))


def lock(model: type[models.Model], document, related: Iterable[str] = ()):
    pk = document.pk if isinstance(document, model) else document
    return model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


@contextmanager
def step(
    document,
    *,
    model: type[models.Model],
    may_view: Callable[..., bool],
    actor: User,
    action: str,
    allowed: Iterable[str],
    expected_version: int | None,
    at: dt.datetime | None,
    perm: str | None = None,
    related: Iterable[str] = (),
):
    """Lock, check the actor may read the document (and holds `perm`, "app.codename"),
    check its state and version; yield (document, now); save."""
    document = lock(model, document, related)
    if not may_view(user=actor, document=document):
        raise refuse()
    if perm is not None and not actor.has_perm(perm):
        raise refuse()
    if document.status not in allowed or (
        expected_version is not None and expected_version != document.version
    ):
        raise TransitionConflict(document, action)
    yield document, at or timezone.now()
    document.save()


def record(
    document,
    *,
    event_model: type[models.Model],
    action: str,
    actor: User,
    to_status: str,
    at: dt.datetime,
    comment: str = "",
):
    """Move the document to `to_status` and append the event (seq = the new version)."""
    from_status = document.status
    document.status = to_status
    document.version += 1
    return event_model.objects.create(
        document=document,
        seq=document.version,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        at=at,
    )
