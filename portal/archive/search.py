"""Archival items in the search index, with access tokens that mirror item_visible.

Unrestricted items: archivists (the model permission), the groups and people granted on the
item. Restricted items (any 密级 mark): those holding view_restricted_archivalitem and the
people named on the item — group grants do not open them. Facet values are strings, so
filters from a query string match on both backends.
"""

from django.db.models import QuerySet

from search.documents import Doc, DocumentType, group_token, perm_token, user_token

INDEX = "archive"
FACETS = ("year", "retention", "street", "department", "category", "channel", "classification")


class ArchivalItemDocumentType(DocumentType):
    index = INDEX
    facets = FACETS

    def queryset(self) -> QuerySet:
        from portal.archive.models import ArchivalItem

        return ArchivalItem.objects.select_related("street", "department", "category").order_by(
            "pk"
        )

    def build(self, item) -> Doc:
        from portal.archive.models import ItemGroupObjectPermission, ItemUserObjectPermission

        users = ItemUserObjectPermission.objects.filter(
            content_object=item, permission__codename="view_archivalitem"
        ).values_list("user_id", flat=True)
        acl = {user_token(u) for u in users}
        if item.is_restricted:
            acl.add(perm_token("archive.view_restricted_archivalitem"))
        else:
            acl.add(perm_token("archive.view_archivalitem"))
            acl |= {
                group_token(g)
                for g in ItemGroupObjectPermission.objects.filter(
                    content_object=item, permission__codename="view_archivalitem"
                ).values_list("group_id", flat=True)
            }
        meta = item.metadata
        body = " ".join(
            str(part)
            for part in (
                item.reference_code,
                item.document_number,
                item.summary,
                item.keywords,
                item.responsible,
                meta.get("address", ""),
                meta.get("community", ""),
                item.street.name if item.street else "",
                item.department.name if item.department else "",
            )
            if part
        )
        return Doc(
            index=INDEX,
            object_id=str(item.pk),
            title=f"{item.reference_code} {item.title}",
            body=body,
            url=f"/archive/items/{item.pk}/",
            acl=sorted(acl),
            fields={
                "year": str(item.year),
                "retention": item.retention,
                "street": str(item.street_id or ""),
                "department": str(item.department_id or ""),
                "category": str(item.category_id or ""),
                "channel": item.channel,
                "classification": item.classification or "none",
                "reference_code": item.reference_code,
                "state": item.state,
            },
            sort_at=item.filed_at,
        )
