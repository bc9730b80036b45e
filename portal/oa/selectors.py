"""Reads of the OA: a person's documents and what waits for them (待办)."""

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from portal.accounts.models import User
from portal.oa.models import Classification, Countersign, OfficialDocument, Status
from portal.oa.services import countersign_open, document_may_view


def document_list(*, user: User) -> QuerySet[OfficialDocument]:
    """Every document the user may read: the flow has reached them and, for an 内部
    document, they are named."""
    granted = get_objects_for_user(
        user, "oa.view_officialdocument", klass=OfficialDocument, accept_global_perms=False
    )
    return (
        granted.filter(Q(classification=Classification.NONE) | Q(readers=user))
        .distinct()
        .select_related("organ", "drafter")
        .order_by("-created_at")
    )


def document_actions(*, user: User, document: OfficialDocument) -> list[str]:
    """The actions the user may take on the document now (the buttons on its page)."""
    if not document_may_view(user=user, document=document):
        return []
    status = document.status
    actions: list[str] = []
    if status == Status.DRAFT and user.pk == document.drafter_id:
        actions += ["update", "submit"]
    elif status == Status.REVIEW and user.has_perm("oa.review_document"):
        actions += ["review", "revise"]
    elif status == Status.COUNTERSIGN and user.has_perm("oa.countersign_document"):
        if any(r.department_id == user.department_id for r in countersign_open(document)):
            actions.append("countersign")
    elif status == Status.SIGN and user.pk == document.signer_id:
        actions.append("sign")
    elif user.has_perm("oa.register_document"):
        actions += {
            Status.RECHECK: ["recheck"],
            Status.REGISTER: ["register"],
            Status.DISPATCH: ["dispatch"],
        }.get(status, [])
    return actions


def document_todo(*, user: User) -> list[OfficialDocument]:
    """The documents waiting for the user (待办), oldest first."""
    candidates = document_list(user=user).exclude(status=Status.ISSUED).order_by("created_at")
    return [d for d in candidates if document_actions(user=user, document=d)]


def countersign_rows(*, document: OfficialDocument) -> QuerySet[Countersign]:
    return document.countersigns.select_related("department", "actor")
