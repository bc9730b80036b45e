"""The Open311 GeoReport v2 endpoints. Every answer, errors included, is in the format the
URL asks for; any input the spec does not allow is a 400/403/404, never a 500."""

import datetime as dt
import math
import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.validators import EmailValidator, URLValidator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from portal.citizen.models import ApiClient, Channel, PublicReport
from portal.citizen.open311 import catalogue
from portal.citizen.open311.formats import (
    DEFAULT_FORMAT,
    FORMATS,
    Open311Error,
    render,
    render_errors,
)
from portal.citizen.open311.openapi import openapi
from portal.citizen.open311.requests import public_report_list, service_request
from portal.citizen.services import MAX_DESCRIPTION, report_submit, secret_hash
from portal.city.lookup import grid_locate
from portal.idempotency.services import idempotent_call
from portal.workflow.models import FINAL_STATUSES

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Bumped when the catalogue's shape or the API changes, so clients refresh their caches.
CHANGESET = "2026-11-24T00:00:00+08:00"
MAX_RANGE = dt.timedelta(days=90)
DEFAULT_LIMIT = 1000  # The spec's default volume: 90 days or 1000 requests.
MAX_PAGE_SIZE = 100
MAX_IDS = 100
MAX_MEDIA = 3
HTML = re.compile(r"<\s*[a-zA-Z!/?]")
W3C_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
)
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,50})\](\[\])?$")

View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Wrap a view: check the format, the method and jurisdiction_id, read the parameters
    (query string for GET, form body for POST) and turn Open311Error into its document."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            if fmt not in FORMATS:
                return render_errors(
                    DEFAULT_FORMAT, 400, [_("不支持的格式，请使用 .xml 或 .json。")]
                )
            try:
                if request.method not in methods:
                    raise Open311Error(400, _("不支持该请求方法。"))
                params = _params(request)
                _jurisdiction_check(params)
                return view(request, fmt, params, **kwargs)
            except Open311Error as error:
                return render_errors(fmt, error.status, error.descriptions)

        return wrapper

    return decorate


def _params(request: HttpRequest) -> QueryDict:
    if request.method != "POST":
        return request.GET
    try:
        return request.POST
    except (
        RequestDataTooBig,
        TooManyFieldsSent,
        TooManyFilesSent,
        MultiPartParserError,
        OSError,
    ) as exc:
        raise Open311Error(400, _("无法读取请求内容。")) from exc


def _param(params: QueryDict, name: str) -> str:
    """A parameter; empty means absent (the spec's rule for optional parameters)."""
    return params.get(name, "").strip()


def _jurisdiction_check(params: QueryDict) -> None:
    jurisdiction = _param(params, "jurisdiction_id")
    if jurisdiction and jurisdiction.lower() != settings.OPEN311_JURISDICTION.lower():
        raise Open311Error(404, _("未知的 jurisdiction_id：本接口只服务南京市建邺区。"))


# --- Discovery and services ----------------------------------------------------------


@endpoint("GET", "HEAD")
def discovery_view(request: HttpRequest, fmt: str, params: QueryDict) -> HttpResponse:
    root = reverse("open311:discovery", kwargs={"fmt": fmt}).rsplit("/", 1)[0] + "/"
    document = {
        "changeset": CHANGESET,
        "contact": _("南京市建邺区数字化城市管理监督指挥中心，城市管理服务热线 12345。"),
        "key_service": _(
            "提交举报需要 API 密钥：请向建邺区数字化城市管理监督指挥中心申请，"
            "由系统管理员在管理后台“Open311 应用”中登记后发放，密钥只显示一次。"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(root),
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", document)


@endpoint("GET", "HEAD")
def service_list_view(request: HttpRequest, fmt: str, params: QueryDict) -> HttpResponse:
    services = [catalogue.service_summary(c) for c in catalogue.categories().values()]
    return render(fmt, "services", services)


@endpoint("GET", "HEAD")
def service_definition_view(
    request: HttpRequest, fmt: str, params: QueryDict, service_code: str
) -> HttpResponse:
    category = catalogue.category_get(service_code)
    return render(fmt, "service_definition", catalogue.service_definition(category))


# --- Requests ------------------------------------------------------------------------


@endpoint("GET", "HEAD", "POST")
def requests_view(request: HttpRequest, fmt: str, params: QueryDict) -> HttpResponse:
    if request.method == "POST":
        return idempotent_call(
            request=request,
            scope=_idempotency_scope(params),
            run=lambda: _request_create_answer(request, fmt, params),
            refuse=lambda status, message: render_errors(fmt, status, [message]),
        )
    return _request_list(request, fmt, params)


def _idempotency_scope(params: QueryDict) -> str:
    """Keys are per client application: one client's key never replays another's answer."""
    return "open311:requests:" + secret_hash(_param(params, "api_key")[:200])


def _request_create_answer(request: HttpRequest, fmt: str, params: QueryDict) -> HttpResponse:
    try:
        return _request_create(request, fmt, params)
    except Open311Error as error:
        return render_errors(fmt, error.status, error.descriptions)


def _api_client(params: QueryDict) -> ApiClient:
    key = _param(params, "api_key")
    client = None
    if key and len(key) <= 200:
        client = ApiClient.objects.filter(key_hash=secret_hash(key), is_active=True).first()
    if client is None:
        raise Open311Error(403, _("api_key 缺失或无效。"))
    return client


def _location(params: QueryDict) -> tuple[float, float]:
    lat, lon = _param(params, "lat"), _param(params, "long")
    if lat or lon:
        if not (lat and lon):
            raise Open311Error(400, _("lat 和 long 必须同时提供。"))
        try:
            point = float(lat), float(lon)
        except ValueError:
            point = (math.nan, math.nan)
        if not all(math.isfinite(v) for v in point):
            raise Open311Error(400, _("lat 或 long 不是有效的数字。"))
        if grid_locate(lon=point[1], lat=point[0]) is None:
            raise Open311Error(400, _("该位置不在建邺区范围内，请核对经纬度（WGS-84）。"))
        return point
    if _param(params, "address_string") or _param(params, "address_id"):
        raise Open311Error(
            400, _("暂不支持仅凭地址定位，请同时提供 lat 和 long（WGS-84 经纬度）。")
        )
    raise Open311Error(400, _("缺少位置：请提供 lat 和 long。"))


def _posted_attributes(params: QueryDict) -> dict[str, list[str]]:
    posted: dict[str, list[str]] = {}
    for key, values in params.lists():
        match = ATTRIBUTE.match(key)
        if match:
            posted.setdefault(match.group(1), []).extend(values)
    return posted


def _contact(params: QueryDict) -> dict[str, str]:
    email = _param(params, "email")
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            raise Open311Error(400, _("email 格式不正确。")) from exc
    media_url = _param(params, "media_url")
    if media_url:
        try:
            if len(media_url) > 500:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError as exc:
            raise Open311Error(400, _("media_url 必须是不超过 500 字符的 http(s) 地址。")) from exc
    # Chinese order: family name first.
    name = _param(params, "last_name") + _param(params, "first_name")
    phone = _param(params, "phone")
    if len(name) > 50 or len(phone) > 20:
        raise Open311Error(400, _("姓名或电话过长。"))
    return {"email": email, "media_url": media_url, "name": name, "phone": phone}


def _request_create(request: HttpRequest, fmt: str, params: QueryDict) -> HttpResponse:
    client = _api_client(params)
    code = _param(params, "service_code")
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    category = catalogue.category_get(code)
    lat, lon = _location(params)
    description = _param(params, "description")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description 不能超过 4000 字。"))
    if HTML.search(description):
        raise Open311Error(400, _("description 不能包含 HTML 或代码。"))
    answers = catalogue.attributes_validate(category, _posted_attributes(params))
    uploads = request.FILES.getlist("media")
    if len(uploads) > MAX_MEDIA:
        raise Open311Error(400, _("每次最多上传 3 张照片。"))
    contact = _contact(params)
    try:
        receipt = report_submit(
            channel=Channel.OPEN311,
            category=category,
            description=description or category.name,
            lon=lon,
            lat=lat,
            address=_param(params, "address_string"),
            name=contact["name"],
            phone=contact["phone"],
            email=contact["email"],
            uploads=uploads,
            api_client=client,
            attributes=answers,
            media_url=contact["media_url"],
        )
    except ValidationError as exc:
        raise Open311Error(400, *exc.messages) from exc
    created = {
        "service_request_id": receipt.tracking_number,
        "token": receipt.report.token,
        "service_notice": _(
            "举报已登记，受理员将在工作时间内受理；可凭 service_request_id 查询办理进度。"
        ),
        "account_id": _param(params, "account_id")[:100] or None,
    }
    return render(fmt, "service_requests", [created])


def _datetime(params: QueryDict, name: str) -> dt.datetime | None:
    value = _param(params, name)
    if not value:
        return None
    # A "+" left unencoded in a query string arrives as a space.
    value = re.sub(r" (\d{2}:\d{2})$", r"+\1", value)
    parsed = None
    if W3C_DATETIME.match(value):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None or not 1970 <= parsed.year <= 2999:
        raise Open311Error(
            400,
            _("%(n)s 必须是带时区的 W3C 日期时间，例如 2026-01-01T00:00:00+08:00。") % {"n": name},
        )
    return parsed


def _date_range(params: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    start, end = _datetime(params, "start_date"), _datetime(params, "end_date")
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date 不能早于 start_date。"))
    elif start:
        end = start + MAX_RANGE
    elif end:
        start = end - MAX_RANGE
    else:
        end = timezone.now()
        start = end - MAX_RANGE
    if end - start > MAX_RANGE:
        raise Open311Error(400, _("查询时间范围不能超过 90 天。"))
    return start, end


def _positive(params: QueryDict, name: str) -> int | None:
    value = _param(params, name)
    if not value:
        return None
    if not re.fullmatch(r"\d{1,6}", value) or int(value) == 0:
        raise Open311Error(400, _("%(n)s 必须是正整数。") % {"n": name})
    return int(value)


def _codes(params: QueryDict, name: str) -> list[str]:
    return [v.strip() for v in _param(params, name).split(",") if v.strip()]


def _request_list(request: HttpRequest, fmt: str, params: QueryDict) -> HttpResponse:
    page = _positive(params, "page") or 1
    page_size = _positive(params, "page_size")
    limit = min(page_size, MAX_PAGE_SIZE) if page_size else DEFAULT_LIMIT
    reports = public_report_list()
    ids = _codes(params, "service_request_id")
    if ids:
        # The spec: a list of IDs overrides every other filter.
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _("service_request_id 最多 100 个。"))
        reports = reports.filter(tracking_number__in=[i.upper() for i in ids])
    else:
        start, end = _date_range(params)
        reports = reports.filter(created_at__gte=start, created_at__lte=end)
        codes = _codes(params, "service_code")
        if codes:
            known = catalogue.categories()
            reports = reports.filter(case__category__in=[known[c] for c in codes if c in known])
        statuses = {s.lower() for s in _codes(params, "status")}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔）。"))
        if statuses == {"open"}:
            reports = reports.exclude(case__status__in=FINAL_STATUSES)
        elif statuses == {"closed"}:
            reports = reports.filter(case__status__in=FINAL_STATUSES)
    offset = (page - 1) * limit
    found = [service_request(r, request) for r in reports[offset : offset + limit]]
    return render(fmt, "service_requests", found)


def _report_get(service_request_id: str) -> PublicReport:
    report = public_report_list().filter(tracking_number=service_request_id.upper()).first()
    if report is None:
        raise Open311Error(404, _("未找到该 service_request_id 的举报。"))
    return report


@endpoint("GET", "HEAD")
def request_detail_view(
    request: HttpRequest, fmt: str, params: QueryDict, service_request_id: str
) -> HttpResponse:
    report = _report_get(service_request_id)
    return render(fmt, "service_requests", [service_request(report, request)])


@endpoint("GET", "HEAD")
def token_view(request: HttpRequest, fmt: str, params: QueryDict, token: str) -> HttpResponse:
    report = PublicReport.objects.filter(token=token.lower()).first()
    if report is None:
        raise Open311Error(404, _("未找到该 token。"))
    found = {"service_request_id": report.tracking_number, "token": report.token}
    return render(fmt, "service_requests", [found])


def not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """Anything else under the endpoint: the spec's 404, in the format the path ends with."""
    fmt = "json" if path.endswith(".json") else DEFAULT_FORMAT
    return render_errors(fmt, 404, [_("没有这个 Open311 资源。")])


def openapi_view(request: HttpRequest) -> HttpResponse:
    root = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
    return JsonResponse(
        openapi(server=root.rsplit("/", 1)[0]), json_dumps_params={"ensure_ascii": False}
    )
