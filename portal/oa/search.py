"""Official documents (公文) in the search index, with access tokens that mirror
`document_may_view`.

A 非密 document: the people and groups the flow has granted view_officialdocument on it
(django-guardian: the drafter, the office reviewers, the countersigning departments, the
signer, the registrars), and superusers. An 内部 document: only the named readers who also
hold such a grant (or are superusers) — each by their own user token, because tokens only
ever widen access and a reader's group grant must not open it to the rest of the group.
The entry is refreshed at every transition (`portal/oa/services.py:_record`), which is also
when grants change. Facet values are strings, so filters from a query string match on both
backends.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from search.documents import SUPERUSER, Doc, DocumentType, group_token, user_token

INDEX = "oa"
FACETS = ("doc_type", "status", "organ", "year")
VIEW_CODENAME = "view_officialdocument"


class OfficialDocumentType(DocumentType):
    index = INDEX
    facets = FACETS

    def queryset(self) -> QuerySet:
        from portal.oa.models import OfficialDocument

        return OfficialDocument.objects.select_related("organ").order_by("pk")

    def build(self, document) -> Doc:
        from portal.oa.models import OfficialDocument

        grants = {
            "content_type": ContentType.objects.get_for_model(OfficialDocument),
            "object_pk": str(document.pk),
            "permission__codename": VIEW_CODENAME,
        }
        users = set(UserObjectPermission.objects.filter(**grants).values_list("user_id", flat=True))
        groups = set(
            GroupObjectPermission.objects.filter(**grants).values_list("group_id", flat=True)
        )
        if document.is_restricted:
            acl = {
                user_token(reader.pk)
                for reader in document.readers.prefetch_related("groups")
                if reader.is_superuser
                or reader.pk in users
                or any(g.pk in groups for g in reader.groups.all())
            }
        else:
            acl = {SUPERUSER} | {user_token(u) for u in users} | {group_token(g) for g in groups}
        year = document.number_year or timezone.localtime(document.created_at).year
        body = " ".join(
            part
            for part in (
                document.number,
                document.organ.name,
                document.body,
                " ".join(d.name for d in document.recipients.all()),
                document.note,
            )
            if part
        )
        title = f"{document.number} {document.title}" if document.number else document.title
        return Doc(
            index=INDEX,
            object_id=str(document.pk),
            title=title,
            body=body,
            url=reverse("oa:document_detail", args=[document.pk]),
            acl=sorted(acl),
            fields={
                "doc_type": document.doc_type,
                "status": document.status,
                "organ": str(document.organ_id),
                "year": str(year),
                "number": document.number,
            },
            sort_at=document.created_at,
        )
