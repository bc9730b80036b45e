"""Snippets with the matched terms marked, the same for every backend."""

import re

from django.utils.html import escape

SNIPPET = 60


def snippet(body: str, terms: list[str]) -> str:
    """A stretch of the body around the first matched term, terms marked (HTML-escaped)."""
    lower = body.lower()
    positions = [lower.find(t) for t in terms if t and lower.find(t) >= 0]
    start = max(min(positions) - SNIPPET // 3, 0) if positions else 0
    text = escape(body[start : start + SNIPPET])
    wanted = sorted({escape(t) for t in terms if t}, key=len, reverse=True)
    if wanted:
        pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
        text = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", text)
    return ("…" if start else "") + text + ("…" if start + SNIPPET < len(body) else "")
