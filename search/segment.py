"""Chinese text for the database backend: jieba words for matching, CJK characters for
one-character queries. The city's own vocabulary (categories, streets, communities) is
added to jieba's dictionary so 占道经营 or 井盖 stay whole."""

import difflib
import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)
CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[\w\u3400-\u9fff]+")
_ready = threading.Lock()
_state: dict = {"vocabulary": False, "terms": []}


def _vocabulary() -> None:
    if _state["vocabulary"]:
        return
    with _ready:
        if _state["vocabulary"]:
            return
        from portal.city.models import Category, Community, Street

        for name in (
            *Category.objects.values_list("name", flat=True),
            *Street.objects.values_list("name", flat=True),
            *Community.objects.values_list("name", flat=True),
        ):
            for part in re.split(r"[（）()、，,\s]+", name):
                if len(part) > 1:
                    jieba.add_word(part, freq=200000)
                    _state["terms"].append(part)
        _state["vocabulary"] = True


def words(text: str) -> list[str]:
    """Lower-cased jieba words (search mode: long words and their parts), punctuation dropped."""
    _vocabulary()
    return [w.lower() for w in jieba.cut_for_search(text) if WORD.fullmatch(w)]


def chars(text: str) -> list[str]:
    return sorted(set(CJK.findall(text)))


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """Split a query into word terms and single-CJK-character terms."""
    _vocabulary()
    terms = [w.lower() for w in jieba.cut(query) if WORD.fullmatch(w)]
    singles = [t for t in terms if len(t) == 1 and CJK.fullmatch(t)]
    return [t for t in terms if t not in singles], singles


def suggestions(query: str, limit: int = 3) -> list[str]:
    """ "Did you mean": the city's own terms closest to each query term (typos, near misses)."""
    _vocabulary()
    vocabulary = sorted(set(_state["terms"]))
    out: list[str] = []
    whole = "".join(query.split())
    for term in [whole, *(t for group in query_terms(query) for t in group)]:
        if term in vocabulary:
            continue
        for match in difflib.get_close_matches(term, vocabulary, n=limit, cutoff=0.5):
            if match not in out:
                out.append(match)
    return out[:limit]
