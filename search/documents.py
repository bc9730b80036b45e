"""What goes into the search index: documents, their types, and access tokens.

Apps register a DocumentType for each kind of object they want searchable. A document
carries the access tokens allowed to see it; a user holds tokens too (their permissions,
groups and own id), and every query keeps only documents sharing a token with the user —
inside the query, so results, counts and facets never leak.
"""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

PUBLIC = "public"
# Held by superusers only: for documents whose rules open them to superusers by name
# rather than through a permission (guardian object grants).
SUPERUSER = "superuser"


@dataclass
class Doc:
    index: str
    object_id: str
    title: str
    body: str
    url: str
    acl: list[str]
    fields: dict = field(default_factory=dict)
    sort_at: dt.datetime | None = None


class DocumentType(ABC):
    index: str
    facets: tuple[str, ...] = ()

    @abstractmethod
    def queryset(self) -> QuerySet: ...

    @abstractmethod
    def build(self, obj) -> Doc | None:
        """The document of an object, or None when it must not be in the index."""

    def get(self, object_id: str):
        return self.queryset().filter(pk=object_id).first()


_types: dict[str, DocumentType] = {}


def document_type_register(doc_type: DocumentType) -> DocumentType:
    _types[doc_type.index] = doc_type
    return doc_type


def document_type(index: str) -> DocumentType:
    return _types[index]


def document_types() -> Iterable[DocumentType]:
    return _types.values()


def perm_token(perm: str) -> str:
    return f"perm:{perm}"


def group_token(group_id: int) -> str:
    return f"group:{group_id}"


def user_token(user_id: int) -> str:
    return f"user:{user_id}"


def user_tokens(user) -> set[str]:
    """The access tokens a user holds: public, their permissions, groups and id. A
    deactivated account holds only the public token, as it may open nothing else."""
    tokens = {PUBLIC}
    if user is None or not user.is_authenticated or not user.is_active:
        return tokens
    if user.is_superuser:
        tokens.add(SUPERUSER)
    tokens |= {perm_token(p) for p in user.get_all_permissions()}
    tokens |= {group_token(g) for g in user.groups.values_list("pk", flat=True)}
    tokens.add(user_token(user.pk))
    return tokens
