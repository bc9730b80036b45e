"""The interface every search backend implements (database now, Elasticsearch next)."""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

from search.documents import Doc


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query, the same for every backend: jieba word terms, single-CJK-character
    terms, the access tokens that may see a document, filters, date range, page, order."""

    index: str
    word_terms: tuple[str, ...]
    char_terms: tuple[str, ...]
    tokens: frozenset[str]
    filters: dict
    facets: tuple[str, ...]
    offset: int
    limit: int
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    sort: str = "newest"

    @property
    def terms(self) -> tuple[str, ...]:
        return (*self.word_terms, *self.char_terms)


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
    def search(self, q: "SearchQuery") -> SearchResult: ...
