"""The embedded search backend: SQLite FTS5 or PostgreSQL full text over jieba-segmented
text, with permission tokens and facets as plain SQL."""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from search import segment
from search.backends.base import Hit, SearchBackend, SearchQuery, SearchResult
from search.documents import Doc
from search.highlight import snippet
from search.models import SearchEntry


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_expression(word_terms: list[str], char_terms: list[str]) -> str:
    return " AND ".join(
        [f"words:{_fts_quote(t)}" for t in word_terms]
        + [f"chars:{_fts_quote(t)}" for t in char_terms]
    )


def _by_relevance(entries: QuerySet, word_terms: list[str], char_terms: list[str]) -> QuerySet:
    """Best matches first: FTS5's bm25 (lower is better) or PostgreSQL's ts_rank."""
    if connection.vendor == "sqlite":
        rank = (
            "(SELECT bm25(search_fts) FROM search_fts "
            "WHERE search_fts MATCH %s AND rowid = search_searchentry.id)"
        )
        entries = entries.extra(  # noqa: S610 (bound parameters)
            select={"rank": rank}, select_params=[_fts_expression(word_terms, char_terms)]
        )
        return entries.order_by("rank", "-sort_at", "-id")
    rank = (
        "ts_rank(to_tsvector('simple', search_searchentry.words || ' ' "
        "|| search_searchentry.chars), plainto_tsquery('simple', %s))"
    )
    entries = entries.extra(  # noqa: S610 (bound parameters)
        select={"rank": rank}, select_params=[" ".join([*word_terms, *char_terms])]
    )
    return entries.order_by("-rank", "-sort_at", "-id")


class DatabaseBackend(SearchBackend):
    def upsert(self, docs: Iterable[Doc]) -> None:
        with transaction.atomic():
            for doc in docs:
                text = f"{doc.title} {doc.body}"
                entry, _created = SearchEntry.objects.update_or_create(
                    index=doc.index,
                    object_id=doc.object_id,
                    defaults={
                        "title": doc.title,
                        "body": doc.body,
                        "words": " ".join(segment.words(text)),
                        "chars": " ".join(segment.chars(text)),
                        "acl": " " + " ".join(sorted(set(doc.acl))) + " ",
                        "fields": doc.fields,
                        "sort_at": doc.sort_at,
                        "url": doc.url,
                    },
                )
                if connection.vendor == "sqlite":
                    with connection.cursor() as cursor:
                        cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [entry.pk])
                        cursor.execute(
                            "INSERT INTO search_fts(rowid, words, chars) VALUES (%s, %s, %s)",
                            [entry.pk, entry.words, entry.chars],
                        )

    def delete(self, index: str, object_ids: Iterable[str]) -> None:
        entries = SearchEntry.objects.filter(index=index, object_id__in=list(object_ids))
        self._drop_fts(entries)
        entries.delete()

    def clear(self, index: str) -> None:
        entries = SearchEntry.objects.filter(index=index)
        self._drop_fts(entries)
        entries.delete()

    def _drop_fts(self, entries: QuerySet) -> None:
        if connection.vendor == "sqlite":
            ids = list(entries.values_list("pk", flat=True))
            with connection.cursor() as cursor:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ",".join(["%s"] * len(chunk))
                    cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608

    def count(self, index: str) -> int:
        return SearchEntry.objects.filter(index=index).count()

    def _matching(self, q: SearchQuery) -> QuerySet:
        entries = SearchEntry.objects.filter(index=q.index)
        if q.since is not None:
            entries = entries.filter(sort_at__gte=q.since)
        if q.until is not None:
            entries = entries.filter(sort_at__lt=q.until)
        allowed = Q()
        for token in q.tokens:
            allowed |= Q(acl__contains=f" {token} ")
        entries = entries.filter(allowed)
        for name, value in q.filters.items():
            if value not in (None, ""):
                entries = entries.filter(**{f"fields__{name}": value})
        if not q.terms:
            return entries
        if connection.vendor == "sqlite":
            return entries.extra(
                where=[
                    "search_searchentry.id IN "
                    "(SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"
                ],
                params=[_fts_expression(q.word_terms, q.char_terms)],
            )
        where, params = [], []
        for column, terms in (("words", q.word_terms), ("chars", q.char_terms)):
            if terms:
                where.append(
                    f"to_tsvector('simple', search_searchentry.{column}) "
                    "@@ plainto_tsquery('simple', %s)"
                )
                params.append(" ".join(terms))
        return entries.extra(where=where, params=params)  # noqa: S610 (bound parameters)

    def search(self, q: SearchQuery) -> SearchResult:
        entries = self._matching(q)
        total = entries.count()
        facet_counts = {}
        for name in q.facets:
            rows = entries.values(f"fields__{name}").annotate(n=Count("id")).order_by("-n")
            facet_counts[name] = [(row[f"fields__{name}"], row["n"]) for row in rows]
        if q.sort == "relevance" and q.terms:
            ordered = _by_relevance(entries, q.word_terms, q.char_terms)
        elif q.sort == "oldest":
            ordered = entries.order_by("sort_at", "id")
        else:
            ordered = entries.order_by("-sort_at", "-id")
        hits = [
            Hit(e.object_id, e.title, snippet(e.body, q.terms), e.url, e.fields)
            for e in ordered[q.offset : q.offset + q.limit]
        ]
        return SearchResult(hits=hits, total=total, facets=facet_counts)
