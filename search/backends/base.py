"""The interface every search backend implements (database now, Elasticsearch next)."""

import datetime as dt
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
    suggestions: list[str] = field(default_factory=list)


class SearchBackend(ABC):
    @abstractmethod
    def upsert(self, docs: Iterable[Doc]) -> None: ...

    @abstractmethod
    def delete(self, index: str, object_ids: Iterable[str]) -> None: ...

    @abstractmethod
    def clear(self, index: str) -> None: ...

    def rebuild(self, index: str, batches: Iterable[list[Doc]]) -> int:
        """Replace an index's content with the documents given (in batches); backends that
        can swap a fresh index in behind an alias override this to avoid downtime."""
        self.clear(index)
        written = 0
        for batch in batches:
            self.upsert(batch)
            written += len(batch)
        return written

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
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        offset: int,
        limit: int,
    ) -> SearchResult: ...
