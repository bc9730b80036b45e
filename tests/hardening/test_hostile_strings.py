"""A corpus of hostile strings through every public form and query parameter: no 500, no
unescaped markup on any page, and bidi overrides inert on staff pages (R13, ASVS 3.x)."""

from urllib.parse import quote, urlencode

import pytest

from portal.citizen.services import report_submit
from portal.city.models import Category
from portal.middleware import bidi_controls_strip

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
RLO = "\u202e"
CORPUS = {
    "script": SCRIPT,
    "attribute": '"><img src=x onerror=alert(1)>',
    "javascript-url": "javascript:alert(document.cookie)",
    "sql": "' OR '1'='1'; DROP TABLE citizen_publicreport; --",
    "traversal": "../../../../etc/passwd",
    "template": "{{ 7*7 }}{% debug %}${7*7}%s%n",
    "crlf": "x\r\nSet-Cookie: owned=1",
    "rtl": f"报告{RLO}gpj.exe",
    "zero-width": "井\u200b盖\u200c破\u200d损\ufeff",
    "emoji": "🚧👷🏽‍♀️ 路灯坏了 𠀀",
    "nul": "井盖\x00破损",
    "oversized": "A" * 1024 * 1024,  # 1 MB: reaches the forms (under Django's 2.5 MB)
    "oversized-cjk": "井" * (1024 * 1024 // 3),  # 1 MB of UTF-8, 3 MB encoded: a 400
}
MALFORMED = b"%FF%FE%80%C0%AF"  # not UTF-8, percent-encoded


def _ok(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.get("Content-Type", "").startswith("text/html"):
        page = response.content.decode("utf-8", "replace")
        assert SCRIPT not in page
        assert "<img src=x onerror" not in page
        assert RLO not in page


GET_PARAMS = {
    "/search/": ["q", "page"],
    "/reports/": ["major", "category", "street", "status", "page"],
    "/reports/map.json": ["major", "category", "street", "status"],
    "/reports/feed/": ["x"],
    "/report/geocode/": ["q"],
    "/report/nearby/": ["lat", "lon", "category"],
    "/report/track/": ["number"],
    "/open311/v2/services.json": ["jurisdiction_id"],
    "/open311/v2/requests.json": [
        "service_request_id",
        "service_code",
        "start_date",
        "end_date",
        "status",
        "page",
        "page_size",
        "jurisdiction_id",
    ],
    "/open311/v2/requests.xml": ["service_request_id", "status"],
    "/admin/login/": ["next"],
}


@pytest.mark.parametrize("payload", CORPUS.values(), ids=CORPUS.keys())
def test_query_parameters(client, payload):
    for path, names in GET_PARAMS.items():
        _ok(client.get(path, {name: payload for name in names}))
        _ok(client.get(f"{path}?{names[0]}={MALFORMED.decode()}"))


@pytest.mark.parametrize("payload", CORPUS.values(), ids=CORPUS.keys())
def test_path_segments(client, payload):
    segment = quote(payload[:200], safe="")
    for path in (
        f"/open311/v2/services/{segment}.json",
        f"/open311/v2/requests/{segment}.xml",
        f"/open311/v2/tokens/{segment}.json",
        f"/reports/feed/{segment}/",
        f"/{segment}/",
    ):
        _ok(client.get(path))


def _form(client, path: str, data: dict):
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("payload", CORPUS.values(), ids=CORPUS.keys())
def test_public_forms(client, grid, api_key, payload):
    category = Category.objects.filter(is_active=True).first()
    report = {
        "category": category.pk,
        "description": payload,
        "address": payload,
        "lon": grid.centre_lon,
        "lat": grid.centre_lat,
        "name": payload,
        "phone": payload,
        "email": payload,
    }
    _ok(_form(client, "/report/", report))
    _ok(_form(client, "/report/", {**report, "lon": payload, "lat": payload}))
    _ok(_form(client, "/report/track/", {"number": payload, "code": payload}))
    _ok(_form(client, "/report/track/rate/", {"satisfaction": payload, "comment": payload}))
    _ok(_form(client, "/admin/login/", {"username": payload, "password": payload}))
    open311 = {
        "api_key": api_key,
        "service_code": "E0101",
        "lat": grid.centre_lat,
        "long": grid.centre_lon,
        "attribute[urgency]": "normal",
    }
    for field in (
        "description",
        "address_string",
        "first_name",
        "last_name",
        "phone",
        "email",
        "media_url",
        "account_id",
        "device_id",
        "service_code",
        "lat",
        "attribute[urgency]",
        "api_key",
        "jurisdiction_id",
    ):
        _ok(_form(client, "/open311/v2/requests.json", {**open311, field: payload}))


def test_malformed_utf8_bodies(client):
    for path in ("/report/", "/report/track/", "/open311/v2/requests.json", "/admin/login/"):
        response = client.post(
            path, b"description=" + MALFORMED, content_type="application/x-www-form-urlencoded"
        )
        _ok(response)
        raw = client.post(path, b"\xff\xfe\x00\x80=\xc0", content_type="multipart/form-data")
        _ok(raw)


@pytest.fixture
def stored(grid):
    """A report whose every free-text field carries markup and a bidi override."""
    hostile = f"{SCRIPT} {CORPUS['attribute']} {CORPUS['rtl']} {CORPUS['zero-width']}"
    return report_submit(
        channel="web",
        category=Category.objects.get(name="暴露垃圾"),
        description=hostile,
        address=hostile[:200],
        name="张三" + RLO,
        lon=grid.centre_lon,
        lat=grid.centre_lat,
    )


def test_stored_values_render_escaped_and_bidi_inert(client, login, stored):
    number = stored.case.number
    public = [
        client.get("/reports/"),
        client.get("/reports/map.json"),
        client.get("/open311/v2/requests.json"),
        client.post("/report/track/", {"number": stored.tracking_number, "code": stored.code}),
    ]
    staff = login("zhiban01")
    pages = [
        staff.get(f"/cases/{number}/"),
        staff.get("/cases/"),
        staff.get("/cases/inbox/"),
        staff.get("/command/snapshot/"),
        staff.get("/todo/"),
    ]
    for response in public + pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        _ok(response)
        if response.has_header("Content-Length"):
            assert int(response["Content-Length"]) == len(response.content)
        body = response.content.decode()
        assert RLO not in body and "\\u202e" not in body.lower()
    detail = pages[0].content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "gpj.exe" in detail  # the text is kept, only the override is gone
    refused = login("chuzhi_hws").get(f"/cases/{number}/")  # another department: no access
    assert refused.status_code in (403, 404)


@pytest.mark.parametrize(
    ("text", "json_escapes", "expected"),
    [
        (f"a{RLO}b\u2066c\u2069", False, "abc"),
        ('"a\\u202eb"', True, '"ab"'),
        ('"a\\\\u202eb"', True, '"a\\\\u202eb"'),  # an escaped backslash, then plain text
        ('"a\\\\\\u202Eb"', True, '"a\\\\b"'),
        ("\u200b\u200d", False, "\u200b\u200d"),  # zero-width joiners stay (emoji need them)
    ],
)
def test_bidi_controls_strip(text, json_escapes, expected):
    assert bidi_controls_strip(text, json_escapes=json_escapes) == expected


def test_headers_on_every_response_type(client, login):
    responses = {
        "page": client.get("/reports/"),
        "api": client.get("/open311/v2/services.json"),
        "error": client.get("/no-such-page/"),
        "admin": client.get("/admin/login/"),
    }
    for kind, response in responses.items():
        policy = response["Content-Security-Policy"]
        assert "object-src 'none'" in policy and "base-uri 'none'" in policy, kind
        assert "frame-ancestors 'self'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        script = next(d for d in policy.split("; ") if d.startswith("script-src"))
        assert ("'unsafe-inline'" in script) == (kind == "admin"), kind
        assert "unsafe-eval" not in policy
