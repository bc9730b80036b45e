"""The interface every search backend implements (database now, Elasticsearch next)."""

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

from search.documents import Doc


@dataclass
class Hit:
    object_id: str
    title: str
    snippet: str
    url: str
    fields: dict


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[object, int]]] = field(default_factory=dict)


class SearchBackend(ABC):
    @abstractmethod
    def upsert(self, docs: Iterable[Doc]) -> None: ...

    @abstractmethod
    def delete(self, index: str, object_ids: Iterable[str]) -> None: ...

    @abstractmethod
    def clear(self, index: str) -> None: ...

    @abstractmethod
    def count(self, index: str) -> int: ...

    @abstractmethod
    def search(
        self,
        *,
        index: str,
        query: str,
        tokens: set[str],
        filters: dict,
        facets: Iterable[str],
        offset: int,
        limit: int,
    ) -> SearchResult: ...
