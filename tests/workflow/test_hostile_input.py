"""Hostile or malformed query strings on the staff pages: answered, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\u202e井盖",
    "x" * 5000,
    "%00",
    '"',
]
URLS = [
    "/cases/?q={v}&status={v}&light={v}&category={v}&street={v}&date_from={v}&page={v}",
    "/cases/search/?q={v}&status={v}&category={v}&sort={v}&page={v}",
    "/cases/inbox/?mine={v}&page={v}",
    "/cases/evaluation/?kind={v}&start={v}&end={v}",
    "/cases/{v}/",
]


@pytest.mark.parametrize("url", URLS)
def test_hostile_query_strings_never_500(client, login, url):
    login("zhiban01")
    for value in HOSTILE:
        response = client.get(url.format(v=value))
        assert response.status_code < 500, (url, value, response.status_code)
        assert b"<script>alert(1)</script>" not in response.content
