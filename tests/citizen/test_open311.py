"""The Open311 GeoReport v2 server: every endpoint in XML and JSON, every error in the
spec's format, no reporter identity in any GET, and a third-party client against it."""

import datetime as dt
import io
import json
import re
from urllib.parse import urlencode

import pytest
import requests
from defusedxml import ElementTree
from django.core.files.base import ContentFile
from django.urls import Resolver404, resolve
from django.utils import timezone
from PIL import Image

from portal.citizen.models import Channel, PublicReport
from portal.citizen.open311.catalogue import categories, service_code
from portal.citizen.services import api_client_create, report_moderate, report_submit
from portal.city.models import Category, Department
from portal.workflow.models import Case, CaseAttachment, Status

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
FORMATS = ("json", "xml")
NAME, PHONE, EMAIL = ("欧阳", "娜娜"), "13912345678", "ouyang.nana@example.com"
FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
LISTS = {"services", "service_requests", "attributes", "values", "endpoints", "formats", "errors"}


def _xml(element):
    """The XML document as the JSON one: list wrappers become lists, empty text None."""
    if element.tag in LISTS:
        return [_xml(child) for child in element]
    if len(element):
        return {child.tag: _xml(child) for child in element}
    return element.text


def _typed(value):
    """XML carries text only: compare with the JSON document's values as text."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def parse(response, fmt: str):
    """The response's document (JSON as is; XML into the same shape, values as text)."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(response.content)
    assert "}" not in root.tag  # no namespace
    return _xml(root)


def errors(response, fmt: str, status: int) -> list[str]:
    assert response.status_code == status, response.content.decode()
    document = parse(response, fmt)
    assert document and all(e["code"] == str(status) for e in document)
    return [e["description"] for e in document]


def png(size=(40, 30)) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="photo.png")


@pytest.fixture
def api_key():
    _client, key = api_client_create(name="随手拍测试应用")
    return key


@pytest.fixture
def where(grid):
    return {"lat": str(grid.centre_lat), "long": str(grid.centre_lon)}


@pytest.fixture
def valid(api_key, where):
    return {
        "api_key": api_key,
        "service_code": "E0101",
        **where,
        "address_string": "江东中路 108 号",
        "description": "人行道上私自搭建了彩钢板棚子",
        "attribute[urgency]": "urgent",
        "first_name": NAME[1],
        "last_name": NAME[0],
        "phone": PHONE,
        "email": EMAIL,
        "device_id": "device-1",
        "account_id": "acct-7",
    }


@pytest.fixture
def post(client):
    def _post(fmt: str, data: dict, multipart: bool = False):
        url = f"{BASE}requests.{fmt}"
        if multipart:
            return client.post(url, data)
        return client.post(
            url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
        )

    return _post


@pytest.fixture
def report(grid):
    """A report from an Open311 client with a reporter identity."""

    def _report(category: str = "暴露垃圾", **kwargs) -> PublicReport:
        client, _key = api_client_create(name="测试")
        receipt = report_submit(
            channel=Channel.OPEN311,
            category=Category.objects.get(name=category),
            description=kwargs.pop("description", "小区门口有一堆生活垃圾"),
            lon=grid.centre_lon,
            lat=grid.centre_lat,
            name="".join(NAME),
            phone=PHONE,
            email=EMAIL,
            api_client=client,
            **kwargs,
        )
        return receipt.report

    return _report


# --- Discovery, services, definitions -------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_endpoint_and_both_formats(client, fmt):
    document = parse(client.get(f"{BASE}discovery.{fmt}"), fmt)
    assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
    assert "API 密钥" in document["key_service"]
    (endpoint,) = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["changeset"] == document["changeset"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_every_active_category_with_string_codes(client, fmt):
    Category.objects.filter(name="暴露垃圾").update(is_active=False)
    services = parse(client.get(f"{BASE}services.{fmt}"), fmt)
    assert len(services) == Category.objects.filter(is_active=True).count()
    codes = [s["service_code"] for s in services]
    assert len(set(codes)) == len(codes)  # component and event numbers no longer collide
    assert {"C0101", "E0101"} <= set(codes)
    first = next(s for s in services if s["service_code"] == "C0101")
    assert list(first) == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first["service_name"] == "上水井盖"
    assert first["group"] == "公用设施"
    assert first["type"] == "realtime"
    assert first["metadata"] is True if fmt == "json" else first["metadata"] == "true"
    assert "上水井盖" in first["keywords"].split(",")
    assert "暴露垃圾" not in {s["service_name"] for s in services}


def test_services_are_the_same_document_in_both_formats(client):
    as_json = parse(client.get(f"{BASE}services.json"), "json")
    as_xml = parse(client.get(f"{BASE}services.xml"), "xml")
    assert _typed(as_json) == as_xml


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_asks_urgency_and_shows_the_filing_criterion(client, fmt):
    category = Category.objects.get(name="私搭乱建")
    document = parse(client.get(f"{BASE}services/{service_code(category)}.{fmt}"), fmt)
    assert document["service_code"] == "E0101"
    urgency, criterion = document["attributes"][-2:]
    assert urgency["code"] == "urgency"
    assert urgency["datatype"] == "singlevaluelist"
    assert [v["key"] for v in urgency["values"]] == ["normal", "urgent"]
    assert [v["name"] for v in urgency["values"]] == ["一般", "紧急"]
    assert criterion["code"] == "filing_criterion"
    assert category.filing_criterion in criterion["description"]
    orders = [int(a["order"]) for a in document["attributes"]]
    assert orders == list(range(1, len(orders) + 1))
    if fmt == "json":
        assert (urgency["variable"], urgency["required"]) == (True, True)
        assert criterion["variable"] is False
    else:
        assert (urgency["variable"], criterion["variable"]) == ("true", "false")


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_carries_the_public_notice(client, fmt):
    category = Category.objects.exclude(public_notice="").select_related("major").first()
    document = parse(client.get(f"{BASE}services/{service_code(category)}.{fmt}"), fmt)
    assert document["attributes"][0]["code"] == "notice"
    assert category.public_notice in document["attributes"][0]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404(client, fmt):
    assert "service_code" in errors(client.get(f"{BASE}services/X9999.{fmt}"), fmt, 404)[0]
    # The bare standard number is ambiguous (部件 and 事件 both have 0101): not a code.
    errors(client.get(f"{BASE}services/0101.{fmt}"), fmt, 404)


# --- POST requests --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_the_case_with_the_reporter_kept_private(post, valid, fmt):
    response = post(fmt, valid)
    assert response.status_code == 200, response.content.decode()
    (created,) = parse(response, fmt)
    assert list(created) == ["service_request_id", "token", "service_notice", "account_id"]
    assert created["account_id"] == "acct-7"
    report = PublicReport.objects.select_related("case", "api_client").get(
        tracking_number=created["service_request_id"]
    )
    assert created["token"] == report.token
    assert report.channel == Channel.OPEN311
    assert report.api_client.name == "随手拍测试应用"
    assert report.attributes == {"urgency": "urgent"}
    assert report.email == EMAIL
    case = report.case
    assert (case.reporter_name, case.reporter_phone) == ("欧阳娜娜", PHONE)
    assert case.category.name == "私搭乱建"
    assert case.address == "江东中路 108 号"
    assert case.description == valid["description"]


def test_post_accepts_a_multipart_photo_and_media_url(post, valid):
    data = {**valid, "media": png(), "media_url": "https://img.example.com/a.jpg"}
    response = post("json", data, multipart=True)
    assert response.status_code == 200, response.content.decode()
    (created,) = parse(response, "json")
    report = PublicReport.objects.get(tracking_number=created["service_request_id"])
    (photo,) = report.case.attachments.all()
    assert photo.content_type == "image/png"
    assert photo.kind == CaseAttachment.Kind.BEFORE
    assert report.media_url == "https://img.example.com/a.jpg"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_refuses_a_renamed_svg(post, valid, fmt):
    svg = ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', name="a.png")
    response = post(fmt, {**valid, "media": svg}, multipart=True)
    assert "照片" in errors(response, fmt, 400)[0]
    assert not PublicReport.objects.exists()


def test_post_without_description_files_the_service_name(post, valid):
    response = post("json", {**valid, "description": ""})
    (created,) = parse(response, "json")
    report = PublicReport.objects.get(tracking_number=created["service_request_id"])
    assert report.case.description == "私搭乱建"


def test_service_request_ids_are_not_case_numbers(post, valid):
    ids = []
    for _ in range(3):
        (created,) = parse(post("json", valid), "json")
        ids.append(created["service_request_id"])
    numbers = list(Case.objects.order_by("id").values_list("number", flat=True))
    assert all(re.fullmatch(r"JY[0-9A-Z]{10}", i) for i in ids)
    assert not set(ids) & set(numbers)
    assert not any(number in i or i in number for i in ids for number in numbers)
    assert len(set(ids)) == 3


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "change, status, words",
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "not-a-key"}, 403, "api_key"),
        ({"api_key": "x" * 5000}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "E9999"}, 404, "service_code"),
        ({"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_id"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "缺少位置"),
        ({"long": ""}, 400, "同时提供"),
        ({"lat": "", "long": "", "address_string": "江东中路 1 号"}, 400, "仅凭地址"),
        ({"lat": "", "long": "", "address_id": "A-1"}, 400, "仅凭地址"),
        ({"lat": "31.2304", "long": "121.4737"}, 400, "不在建邺区"),
        ({"lat": "NaN"}, 400, "有效的数字"),
        ({"lat": "1e400"}, 400, "有效的数字"),
        ({"long": "一百一十八"}, 400, "有效的数字"),
        ({"description": "乱" * 4001}, 400, "4000"),
        ({"description": "看<script>alert(1)</script>"}, 400, "HTML"),
        ({"attribute[urgency]": ""}, 400, "attribute[urgency]"),
        ({"attribute[urgency]": "very"}, 400, "attribute[urgency]"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": "1" * 40}, 400, "过长"),
    ],
)
def test_post_errors(post, valid, fmt, change, status, words):
    response = post(fmt, {**valid, **change})
    assert words in " ".join(errors(response, fmt, status))
    assert not PublicReport.objects.exists()


def test_post_refuses_an_inactive_client(post, valid):
    from portal.citizen.models import ApiClient

    ApiClient.objects.update(is_active=False)
    errors(post("json", valid), "json", 403)


def test_post_accepts_the_own_jurisdiction(post, valid, settings):
    settings.OPEN311_JURISDICTION = "jianye.nanjing.gov.cn"
    response = post("xml", {**valid, "jurisdiction_id": "jianye.nanjing.gov.cn"})
    assert response.status_code == 200


def test_post_needs_no_csrf_token(valid):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(f"{BASE}requests.json", valid)
    assert response.status_code == 200


# --- Tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_gives_the_service_request_id(client, report, fmt):
    made = report()
    (found,) = parse(client.get(f"{BASE}tokens/{made.token}.{fmt}"), fmt)
    assert found == {"service_request_id": made.tracking_number, "token": made.token}
    errors(client.get(f"{BASE}tokens/{'0' * 32}.{fmt}"), fmt, 404)


# --- GET requests ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_has_the_17_fields_and_no_reporter(client, report, grid, fmt):
    made = report()
    (found,) = parse(client.get(f"{BASE}requests/{made.tracking_number}.{fmt}"), fmt)
    assert list(found) == FIELDS
    assert found["service_request_id"] == made.tracking_number
    assert found["status"] == "open"
    assert found["status_notes"] == "已收到举报，等待受理。"
    assert found["service_code"] == service_code(made.case.category)
    assert found["service_name"] == "暴露垃圾"
    assert found["description"] == "小区门口有一堆生活垃圾"
    assert found["agency_responsible"] is None
    requested = dt.datetime.fromisoformat(found["requested_datetime"])
    assert requested == made.created_at.replace(microsecond=0)
    assert found["requested_datetime"].endswith("+08:00")
    assert grid.community.name in found["address"]
    # The grid's centre, not the point: the public pages show no more.
    assert float(found["lat"]) == round(grid.centre_lat, 6)
    assert float(found["long"]) == round(grid.centre_lon, 6)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_hidden_request_is_404(client, report, user, fmt):
    made = report()
    report_moderate(report=made, actor=user("shouli01"), action="hide", reason="含个人信息")
    errors(client.get(f"{BASE}requests/{made.tracking_number}.{fmt}"), fmt, 404)
    errors(client.get(f"{BASE}requests/JY0000000000.{fmt}"), fmt, 404)


def test_closed_request_shows_closing_time_department_and_public_photo(client, report):
    made = report()
    case = made.case
    closed_at = timezone.now().replace(microsecond=0)
    deadline = closed_at - dt.timedelta(hours=3)
    department = Department.objects.get(code="HWS")
    Case.objects.filter(pk=case.pk).update(
        status=Status.CLOSED, closed_at=closed_at, department=department, handling_deadline=deadline
    )
    photo = CaseAttachment.objects.create(
        case=case,
        kind=CaseAttachment.Kind.BEFORE,
        file=png(),
        content_type="image/png",
        size=10,
        sha256="0" * 64,
        uploaded_at=timezone.now(),
    )
    photo.public_file.save("stripped.png", png(), save=True)
    (found,) = parse(client.get(f"{BASE}requests/{made.tracking_number}.json"), "json")
    assert found["status"] == "closed"
    assert found["status_notes"] == "已办结。"
    assert found["agency_responsible"] == department.name
    assert dt.datetime.fromisoformat(found["updated_datetime"]) == closed_at
    assert dt.datetime.fromisoformat(found["expected_datetime"]) == deadline
    assert found["media_url"] == "http://testserver" + photo.public_file.url
    assert "cases/" not in found["media_url"]  # never the private original


def test_media_url_falls_back_to_the_submitted_one(client, report):
    made = report(media_url="https://img.example.com/b.jpg")
    (found,) = parse(client.get(f"{BASE}requests/{made.tracking_number}.json"), "json")
    assert found["media_url"] == "https://img.example.com/b.jpg"


@pytest.mark.parametrize(
    "status, shown",
    [(s, "closed") for s in ("closed", "declined", "merged", "cancelled")]
    + [(s, "open") for s in ("reported", "dispatched", "handled", "deferred", "hung")],
)
def test_status_is_open_or_closed(client, report, status, shown):
    made = report()
    Case.objects.filter(pk=made.case_id).update(status=status)
    (found,) = parse(client.get(f"{BASE}requests/{made.tracking_number}.json"), "json")
    assert found["status"] == shown
    assert found["status_notes"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_list_shows_public_visible_reports_only(client, report, new_case, user, fmt):
    shown, hidden = report(), report()
    report_moderate(report=hidden, actor=user("shouli01"), action="hide", reason="重复")
    supervisor_case = new_case(at=timezone.now())
    found = parse(client.get(f"{BASE}requests.{fmt}"), fmt)
    ids = [r["service_request_id"] for r in found]
    assert ids == [shown.tracking_number]
    assert supervisor_case.number not in str(found)


def test_request_list_filters(client, report):
    garbage, shed = report(), report(category="私搭乱建")
    Case.objects.filter(pk=shed.case_id).update(status=Status.CLOSED)

    def ids(**query):
        response = client.get(f"{BASE}requests.json", query)
        assert response.status_code == 200, response.content.decode()
        return {r["service_request_id"] for r in json.loads(response.content)}

    both = {garbage.tracking_number, shed.tracking_number}
    assert ids() == both
    assert ids(service_code=service_code(shed.case.category)) == {shed.tracking_number}
    assert ids(service_code="E0101,C0101,nonsense") == {shed.tracking_number}
    assert ids(status="open") == {garbage.tracking_number}
    assert ids(status="closed") == {shed.tracking_number}
    assert ids(status="open,closed") == both
    now = timezone.now()
    assert ids(start_date=(now - dt.timedelta(days=1)).isoformat()) == both
    assert ids(end_date=(now - dt.timedelta(days=1)).isoformat()) == set()
    assert ids(start_date="2026-01-01T00:00:00Z", end_date="2026-01-31T00:00:00+08:00") == set()
    # An unencoded "+" arrives as a space: read it as the offset it was.
    assert ids(start_date=timezone.localtime(now - dt.timedelta(hours=1)).isoformat()) == both
    # The ID list overrides every other filter, the date range included.
    assert (
        ids(
            service_request_id=f"{garbage.tracking_number}, {shed.tracking_number.lower()}",
            status="closed",
            start_date="2026-01-01T00:00:00Z",
        )
        == both
    )


def test_request_list_defaults_to_the_last_90_days(client, report):
    old = report(at=timezone.now() - dt.timedelta(days=91))
    new = report()
    found = parse(client.get(f"{BASE}requests.json"), "json")
    assert [r["service_request_id"] for r in found] == [new.tracking_number]
    assert old.tracking_number not in str(found)


def test_request_list_pages(client, report):
    made = [report() for _ in range(3)]
    newest_first = [r.tracking_number for r in reversed(made)]

    def page(**query):
        found = parse(client.get(f"{BASE}requests.json", query), "json")
        return [r["service_request_id"] for r in found]

    assert page(page_size="2") == newest_first[:2]
    assert page(page_size="2", page="2") == newest_first[2:]
    assert page(page_size="2", page="9") == []
    assert page(page_size="100000") == newest_first  # capped at 100, not refused


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "query, words",
    [
        ({"start_date": "2026-01-01"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00"}, "start_date"),
        ({"end_date": "yesterday"}, "end_date"),
        ({"start_date": "2026-13-01T00:00:00Z"}, "start_date"),
        ({"start_date": "0001-01-01T00:00:00+01:00"}, "start_date"),
        ({"start_date": "9999-12-31T23:59:59Z"}, "start_date"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"},
            "90 天",
        ),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "早于"),
        ({"status": "fixed"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"page_size": "-1"}, "page_size"),
        ({"service_request_id": ",".join(["JY1"] * 101)}, "100"),
    ],
)
def test_request_list_errors(client, fmt, query, words):
    response = client.get(f"{BASE}requests.{fmt}", query)
    assert words in errors(response, fmt, 400)[0]


def test_no_reporter_identity_in_any_get(client, report, user):
    made = report()
    Case.objects.filter(pk=made.case_id).update(reporter=user("shouli01"))
    paths = [
        "discovery",
        "services",
        f"services/{service_code(made.case.category)}",
        "requests",
        f"requests/{made.tracking_number}",
        f"tokens/{made.token}",
    ]
    for path in paths:
        for fmt in FORMATS:
            body = client.get(f"{BASE}{path}.{fmt}").content.decode()
            for secret in ("欧阳", "娜娜", PHONE, EMAIL, "shouli01", made.case.number):
                assert secret not in body, (path, fmt, secret)


# --- Jurisdiction, formats, hostile input -----------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["services", "services/C0101", "requests", "tokens/abc"])
def test_other_jurisdiction_is_404(client, fmt, path):
    response = client.get(f"{BASE}{path}.{fmt}", {"jurisdiction_id": "sfgov.org"})
    assert "jurisdiction_id" in errors(response, fmt, 404)[0]


def test_own_or_empty_jurisdiction_is_accepted(client):
    for value in ("jianye.nanjing.gov.cn", "JIANYE.nanjing.gov.cn", ""):
        assert client.get(f"{BASE}services.json", {"jurisdiction_id": value}).status_code == 200


def test_unknown_format_path_and_method(client):
    errors(client.get(f"{BASE}services.html"), "xml", 400)
    errors(client.get(f"{BASE}services"), "xml", 404)
    errors(client.get(f"{BASE}nothing/here.json"), "json", 404)
    errors(client.post(f"{BASE}services.json"), "json", 400)
    errors(client.delete(f"{BASE}requests.json"), "json", 400)


@pytest.mark.parametrize(
    "url",
    [
        "services/" + "9" * 5000 + ".json",
        "requests/%00.json",
        "requests.json?start_date=%00",
        "requests.json?service_code=" + "C0101," * 3000,
        "requests.json?page_size=99999999999999999999",
        "requests.json?status=%E0%A4%A",
        "tokens/" + "%FF" * 10 + ".xml",
    ],
)
def test_hostile_queries_never_500(client, url):
    assert client.get(BASE + url).status_code in (200, 400, 404)


def test_hostile_posts_never_500(post, valid):
    for change in (
        {"lat": "9" * 5000},
        {"attribute[urgency][]": ["normal", "urgent"]},
        {"description": "\x00"},
        {"service_code": "C" * 100_000},
    ):
        assert post("json", {**valid, **change}).status_code in (400, 404)


# --- OpenAPI --------------------------------------------------------------------------


def test_openapi_describes_the_routes_that_exist(client):
    response = client.get(f"{BASE}openapi.json")
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "http://testserver/open311/v2"}]
    for path, operations in document["paths"].items():
        concrete = path.replace("{fmt}", "json").replace("{service_code}", "C0101")
        concrete = concrete.replace("{service_request_id}", "JY1").replace("{token}", "t")
        match = resolve(BASE + concrete.lstrip("/"))
        assert match.url_name != "", path
        for operation in operations.values():
            assert "200" in operation["responses"]
    assert set(document["paths"]["/requests.{fmt}"]) == {"get", "post"}
    names = {p["name"] for p in document["paths"]["/requests.{fmt}"]["get"]["parameters"]}
    assert {"service_request_id", "start_date", "end_date", "page", "page_size"} <= names
    with pytest.raises(Resolver404):
        resolve("/open311/v3/services.json")


def test_catalogue_codes_are_unique():
    assert len(categories()) == Category.objects.filter(is_active=True).count()


# --- A third-party client against a live server -------------------------------------------


@pytest.mark.usefixtures("demo")
def test_georeport_client_reads_what_it_posted(live_server):
    from georeport import GeoReport

    from portal.city.models import Grid

    _client, key = api_client_create(name="georeport")
    root = live_server.url + BASE
    grid = Grid.objects.order_by("code").first()
    response = requests.post(
        root + "requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "jianye.nanjing.gov.cn",
            "service_code": "C0101",
            "lat": grid.centre_lat,
            "long": grid.centre_lon,
            "description": "上水井盖缺失，很危险",
            "attribute[urgency]": "urgent",
            "first_name": "娜娜",
            "last_name": "欧阳",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    created = response.json()[0]["service_request_id"]

    for output_format in FORMATS:
        georeport = GeoReport(
            root, jurisdiction="jianye.nanjing.gov.cn", output_format=output_format
        )
        services = georeport.get_service_list()
        assert "C0101" in {s["service_code"] for s in services}
        definition = georeport.get_service_definition("C0101")
        assert definition["service_code"] == "C0101"
        listed = georeport.get_service_requests(service_code="C0101,E0101", status="open")
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one is a dict
        assert [r["service_request_id"] for r in listed] == [created]
        one = georeport.get_service_request(created)
        assert one["service_name"] == "上水井盖"
        assert "欧阳" not in json.dumps(one, ensure_ascii=False)
