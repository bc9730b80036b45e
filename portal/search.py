"""Public Wagtail pages in the search index (visible to everyone: the public site's search)."""

from django.db.models import QuerySet
from django.utils.html import strip_tags
from wagtail.models import Page

from search.documents import PUBLIC, Doc, DocumentType

INDEX = "pages"


class PageDocumentType(DocumentType):
    index = INDEX
    facets = ("type",)

    def queryset(self) -> QuerySet:
        return Page.objects.live().public().filter(depth__gt=1).specific().order_by("pk")

    def get(self, object_id: str):
        return self.queryset().filter(pk=object_id).first()

    def build(self, page) -> Doc:
        text = " ".join(
            strip_tags(str(getattr(page, name, "") or ""))
            for name in ("intro", "notice", "search_description")
        )
        if hasattr(page, "search_text"):
            text = f"{text} {page.search_text()}"
        return Doc(
            index=INDEX,
            object_id=str(page.pk),
            title=page.title,
            body=text.strip() or page.title,
            url=page.get_url() or "/",
            acl=[PUBLIC],
            fields={"type": page.specific_class._meta.model_name},
            sort_at=page.last_published_at,
        )
