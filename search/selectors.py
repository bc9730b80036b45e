"""The one search API: full text, filters, facets and pages, filtered by what the user may see."""

from search import segment
from search.backends.base import SearchQuery, SearchResult
from search.dates import date_phrase_extract
from search.documents import document_type, user_tokens
from search.services import search_backend

MAX_PER_PAGE = 100
# Deep pages are refused by Elasticsearch (index.max_result_window) and useless to people:
# a page past the window shows the last one inside it.
MAX_WINDOW = 10_000
SORTS = ("newest", "oldest", "relevance")


def search_run(
    *,
    user,
    index: str,
    query: str = "",
    filters: dict | None = None,
    page: int = 1,
    per_page: int = 20,
    sort: str = "newest",
) -> SearchResult:
    """Search one index as `user`: results, the total and facet counts all respect the
    user's access tokens, applied inside the query. A date phrase in the query (去年7月,
    2026年3月, 上个月) narrows the documents' dates instead of being matched as text.
    `sort` is newest (default), oldest or relevance."""
    doc_type = document_type(index)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, min(page, MAX_WINDOW // per_page))
    query, dates = date_phrase_extract(query.strip()[:200])
    word_terms, char_terms = segment.query_terms(query)
    result = search_backend().search(
        SearchQuery(
            index=index,
            word_terms=tuple(word_terms),
            char_terms=tuple(char_terms),
            tokens=frozenset(user_tokens(user)),
            filters=filters or {},
            facets=tuple(doc_type.facets),
            offset=(page - 1) * per_page,
            limit=per_page,
            since=dates.since if dates else None,
            until=dates.until if dates else None,
            sort=sort if sort in SORTS else "newest",
        )
    )
    if query and not result.total:
        result.suggestions = segment.suggestions(query)
    return result
