"""The Elasticsearch backend, with documents defined through the client's DSL.

Each index is a versioned physical index behind an alias (`<prefix><index>` →
`<prefix><index>-<timestamp>`): a rebuild fills a fresh index and swaps the alias in one
request, so a mapping change is a reindex without downtime. Chinese: the test distribution
has no `analysis-common` module (no `cjk` analyzer), so the text is indexed twice — the
jieba-segmented words under the core `whitespace` analyzer, and the raw text under
`standard` (one token per CJK character) for phrase queries, which serve one-character and
mixed queries such as 3号井盖.
"""

import time
from collections.abc import Iterable

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import Date, Document, Keyword, Object, Q, Search, Text

from search import segment
from search.backends.base import Hit, SearchBackend, SearchQuery, SearchResult
from search.documents import Doc
from search.highlight import snippet


class EntryDocument(Document):
    object_id = Keyword()
    title = Text(analyzer="standard")
    text = Text(analyzer="standard")
    words = Text(analyzer="whitespace")
    body = Text(index=False)
    acl = Keyword()
    fields = Object(dynamic=True)
    sort_at = Date()
    url = Keyword(index=False)


def _alias(index: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}{index}"


class ElasticsearchBackend(SearchBackend):
    def __init__(self, url: str) -> None:
        self.client = Elasticsearch(url, request_timeout=10, retry_on_timeout=False, max_retries=0)

    # --- index management ---------------------------------------------------------------

    def _create(self, index: str) -> str:
        name = f"{_alias(index)}-{time.time_ns()}"
        body = EntryDocument._index.to_dict() if EntryDocument._index else {}
        body["mappings"] = EntryDocument._doc_type.mapping.to_dict()
        # Every string inside `fields` is an exact value: filters and facets need keywords.
        body["mappings"]["dynamic_templates"] = [
            {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}
        ]
        body["settings"] = {"number_of_shards": 1, "number_of_replicas": settings.SEARCH_REPLICAS}
        self.client.indices.create(index=name, body=body)
        return name

    def _ensure(self, index: str) -> str:
        alias = _alias(index)
        if not self.client.indices.exists_alias(name=alias):
            name = self._create(index)
            self.client.indices.put_alias(index=name, name=alias)
        return alias

    def _physical(self, index: str) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=_alias(index)).keys())
        except NotFoundError:
            return []

    # --- writes -------------------------------------------------------------------------

    def _source(self, doc: Doc) -> dict:
        text = f"{doc.title} {doc.body}"
        return {
            "object_id": doc.object_id,
            "title": doc.title,
            "text": text,
            "words": " ".join(segment.words(text)),
            "body": doc.body,
            "acl": sorted(set(doc.acl)),
            "fields": doc.fields,
            "sort_at": doc.sort_at.isoformat() if doc.sort_at else None,
            "url": doc.url,
        }

    def _bulk(self, target: str, docs: Iterable[Doc], refresh) -> None:
        actions = ({"_index": target, "_id": d.object_id, "_source": self._source(d)} for d in docs)
        helpers.bulk(self.client, actions, refresh=refresh)

    def upsert(self, docs: Iterable[Doc]) -> None:
        by_index: dict[str, list[Doc]] = {}
        for doc in docs:
            by_index.setdefault(doc.index, []).append(doc)
        for index, group in by_index.items():
            self._bulk(self._ensure(index), group, refresh="wait_for")

    def delete(self, index: str, object_ids: Iterable[str]) -> None:
        alias = self._ensure(index)
        actions = ({"_op_type": "delete", "_index": alias, "_id": oid} for oid in object_ids)
        helpers.bulk(self.client, actions, refresh="wait_for", raise_on_error=False)

    def clear(self, index: str) -> None:
        for name in self._physical(index):
            self.client.indices.delete(index=name)

    def rebuild(self, index: str, batches: Iterable[list[Doc]]) -> int:
        """Fill a fresh physical index, then point the alias at it and drop the old ones."""
        name = self._create(index)
        written = 0
        for batch in batches:
            self._bulk(name, batch, refresh=False)
            written += len(batch)
        self.client.indices.refresh(index=name)
        old = self._physical(index)
        actions = [{"remove": {"index": o, "alias": _alias(index)}} for o in old]
        actions.append({"add": {"index": name, "alias": _alias(index)}})
        self.client.indices.update_aliases(actions=actions)
        for o in old:
            self.client.indices.delete(index=o)
        return written

    def count(self, index: str) -> int:
        try:
            return self.client.count(index=_alias(index))["count"]
        except NotFoundError:
            return 0

    # --- reads --------------------------------------------------------------------------

    def search(self, q: SearchQuery) -> SearchResult:
        alias = self._ensure(q.index)
        s = Search(using=self.client, index=alias).filter("terms", acl=sorted(q.tokens))
        if q.since is not None or q.until is not None:
            bounds = {}
            if q.since is not None:
                bounds["gte"] = q.since.isoformat()
            if q.until is not None:
                bounds["lt"] = q.until.isoformat()
            s = s.filter("range", sort_at=bounds)
        for name, value in q.filters.items():
            if value not in (None, ""):
                s = s.filter("term", **{f"fields.{name}": value})
        must = []
        if q.word_terms:
            must.append(Q("match", words={"query": " ".join(q.word_terms), "operator": "and"}))
        must += [Q("match_phrase", text=c) for c in q.char_terms]
        if must:
            s = s.query(Q("bool", must=must))
        for name in q.facets:
            s.aggs.bucket(name, "terms", field=f"fields.{name}", size=200)
        newest = [{"sort_at": {"order": "desc"}}, {"object_id": {"order": "desc"}}]
        if q.sort == "relevance" and must:
            s = s.sort("_score", *newest)
        elif q.sort == "oldest":
            s = s.sort({"sort_at": {"order": "asc"}}, {"object_id": {"order": "asc"}})
        else:
            s = s.sort(*newest)
        s = s.extra(track_total_hits=True)[q.offset : q.offset + q.limit]
        response = s.execute()
        hits = [
            Hit(h.object_id, h.title, snippet(h.body, q.terms), h.url, h.fields.to_dict())
            for h in response
        ]
        facet_counts = {
            name: [(b.key, b.doc_count) for b in response.aggregations[name].buckets]
            for name in q.facets
        }
        return SearchResult(hits=hits, total=response.hits.total.value, facets=facet_counts)
