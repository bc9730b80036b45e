"""The command-centre dashboard: scope, snapshot, charts and the live websocket.

The websocket tests go through the real ASGI application (origin check, session auth,
routing) with WebsocketCommunicator; transitions run in another thread, hence another
database connection, and really commit (transaction=True)."""

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from portal.asgi import application
from portal.city.models import Department
from portal.city.selectors import grid_geojson
from portal.workflow import services as s
from portal.workflow.dashboard import (
    CENTRE_GROUP,
    Scope,
    dashboard_charts,
    dashboard_scope,
    dashboard_snapshot,
    department_group_name,
)
from portal.workflow.models import CaseEvent, EmergencyAlarm

# --- helpers ------------------------------------------------------------------------------


def _filed(new_case, user, **kwargs):
    case = new_case(**kwargs)
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    return case


def _dept(code: str) -> Department:
    return Department.objects.get(code=code)


def _session(username: str) -> str:
    from portal.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _connect(session: str | None):
    headers = [(b"origin", b"http://testserver")]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/command/", headers=headers)
    connected, code = await communicator.connect()
    if connected:
        assert (await communicator.receive_json_from())["type"] == "ready"
    return communicator, connected, code


def _dispatch(case, user, code: str):
    return s.case_dispatch(case=case, actor=user("paiqian01"), department=_dept(code))


# --- scope and HTTP reads -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("zhiban01", "centre"),
        ("paiqian01", "centre"),
        ("shouli01", "centre"),
        ("chuzhi_hws", "HWS"),
        ("lingdao_szc", "SZC"),
        ("jiedao001", "JD001"),
        ("jiandu001", None),
        ("shenji01", None),
        ("xitong01", None),
        ("xuanchuan01", None),
    ],
)
def test_scope_by_role(user, username, expected):
    scope = dashboard_scope(user=user(username))
    if expected is None:
        assert scope is None
    elif expected == "centre":
        assert scope == Scope()
        assert scope.groups == [CENTRE_GROUP]
    else:
        assert scope.department_id == _dept(expected).pk
        assert scope.groups == [department_group_name(_dept(expected).pk)]


@pytest.mark.django_db
def test_department_snapshot_holds_only_its_cases(new_case, user):
    ours = _filed(new_case, user)
    theirs = _filed(new_case, user)
    _dispatch(ours, user, "HWS")
    _dispatch(theirs, user, "SZC")
    handler = user("chuzhi_hws")
    snap = dashboard_snapshot(user=handler, scope=dashboard_scope(user=handler))
    numbers = {c["number"] for c in snap["cases"]}
    assert numbers == {ours.number}
    assert {e["case"]["number"] for e in snap["events"]} == {ours.number}
    centre = dashboard_snapshot(user=user("zhiban01"), scope=Scope())
    assert {ours.number, theirs.number} <= {c["number"] for c in centre["cases"]}
    assert centre["last_event_id"] == CaseEvent.objects.latest("id").pk


@pytest.mark.django_db
def test_snapshot_since_returns_only_later_events(new_case, user):
    case = _filed(new_case, user)
    mark = CaseEvent.objects.latest("id").pk
    _dispatch(case, user, "HWS")
    snap = dashboard_snapshot(user=user("zhiban01"), scope=Scope(), since=mark)
    assert [e["action"] for e in snap["events"]] == ["dispatch"]
    assert snap["events"][0]["case"]["status"] == "dispatched"


@pytest.mark.django_db
def test_counters_count_today(new_case, user):
    from portal.workflow.dashboard import dashboard_counters
    from portal.workflow.models import Case
    from tests.conftest import MONDAY_9AM

    later = MONDAY_9AM + dt.timedelta(minutes=30)
    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"), at=later)
    s.case_file(case=case, actor=user("zhiban01"), at=later)
    s.case_dispatch(case=case, actor=user("paiqian01"), department=_dept("HWS"), at=later)
    counters = dashboard_counters(cases=Case.objects.all(), now=later)
    assert counters["reported"] == 1
    assert counters["filed"] == 1
    assert counters["dispatched"] == 1
    assert counters["closed"] == 0


@pytest.mark.django_db
def test_charts_cover_thirty_days(new_case, user):
    from tests.conftest import MONDAY_9AM

    new_case(source="hotline", actor=None)
    charts = dashboard_charts(user=user("zhiban01"), scope=Scope(), now=MONDAY_9AM)
    assert len(charts["days"]) == 30 and charts["days"][-1] == "2026-11-23"
    hotline = next(x for x in charts["sources"] if x["key"] == "hotline")
    assert hotline["data"][-1] == 1
    assert charts["categories"] == [{"name": "暴露垃圾", "value": 1}]


@pytest.mark.django_db
def test_grid_features_cover_the_district():
    features = grid_geojson()["features"]
    assert len(features) == 835
    assert {"grid", "code", "module", "module_name"} <= set(features[0]["properties"])


# --- the websocket ------------------------------------------------------------------------

live = pytest.mark.django_db(transaction=True)


@live
def test_committed_transition_reaches_subscribed_dashboards(demo, new_case, user):
    case = _filed(new_case, user)
    sessions = [_session("zhiban01"), _session("paiqian01")]

    async def scenario():
        dashboards = [(await _connect(x))[0] for x in sessions]
        # The dispatch runs in another thread, on another database connection, and commits.
        await database_sync_to_async(_dispatch)(case, user, "HWS")
        messages = [await d.receive_json_from(timeout=1) for d in dashboards]
        for d in dashboards:
            await d.disconnect()
        return messages

    for message in async_to_sync(scenario)():
        assert message["type"] == "event"
        assert message["action"] == "dispatch"
        assert message["case"]["number"] == case.number
        assert message["case"]["status"] == "dispatched"
        assert message["id"] == CaseEvent.objects.get(case=case, action="dispatch").pk


@live
def test_rolled_back_transition_sends_nothing(demo, new_case, user):
    first = _filed(new_case, user)
    second = _filed(new_case, user)
    session = _session("zhiban01")

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            _dispatch(first, user, "HWS")
            raise RuntimeError("the request failed after the transition")

    async def scenario():
        dashboard, _, _ = await _connect(session)
        await database_sync_to_async(rolled_back)()
        nothing = await dashboard.receive_nothing()
        # Messages keep their order: the next one is the committed dispatch, not the other.
        await database_sync_to_async(_dispatch)(second, user, "HWS")
        message = await dashboard.receive_json_from(timeout=1)
        await dashboard.disconnect()
        return nothing, message

    nothing, message = async_to_sync(scenario)()
    assert nothing
    assert message["case"]["number"] == second.number
    first.refresh_from_db()
    assert first.status == "filed"


@live
def test_department_user_receives_only_its_departments_events(demo, new_case, user):
    theirs = _filed(new_case, user)
    ours = _filed(new_case, user)
    sessions = {name: _session(name) for name in ("chuzhi_hws", "chuzhi_szc", "zhiban01")}

    async def scenario():
        socket = {name: (await _connect(x))[0] for name, x in sessions.items()}
        await database_sync_to_async(_dispatch)(theirs, user, "SZC")
        await database_sync_to_async(_dispatch)(ours, user, "HWS")
        got = {name: await socket[name].receive_json_from(timeout=1) for name in socket}
        centre_second = await socket["zhiban01"].receive_json_from(timeout=1)
        quiet = await socket["chuzhi_hws"].receive_nothing()
        for d in socket.values():
            await d.disconnect()
        return got, centre_second, quiet

    got, centre_second, quiet = async_to_sync(scenario)()
    # The HWS handler's first message is its own case, though SZC's dispatch came first.
    assert got["chuzhi_hws"]["case"]["number"] == ours.number
    assert got["chuzhi_szc"]["case"]["number"] == theirs.number
    assert [got["zhiban01"]["case"]["number"], centre_second["case"]["number"]] == [
        theirs.number,
        ours.number,
    ]
    assert quiet


@live
@pytest.mark.parametrize("username", [None, "jiandu001", "shenji01"])
def test_anonymous_and_wrong_roles_are_refused(demo, username):
    session = _session(username) if username else None

    async def scenario():
        _communicator, connected, code = await _connect(session)
        return connected, code

    assert async_to_sync(scenario)() == (False, 4403)


@live
def test_emergency_report_raises_alarm_on_dashboards(demo, new_case, user):
    session = _session("zhiban01")

    async def scenario():
        dashboard, _, _ = await _connect(session)
        case = await database_sync_to_async(new_case)(category="管道破裂")
        first = await dashboard.receive_json_from(timeout=1)
        second = await dashboard.receive_json_from(timeout=1)
        await dashboard.disconnect()
        return case, [first, second]

    case, messages = async_to_sync(scenario)()
    by_type = {m["type"]: m for m in messages}
    assert by_type["alarm"]["case"] == case.number
    assert by_type["alarm"]["id"] == EmergencyAlarm.objects.get(case=case).pk
    assert by_type["event"]["action"] == "report"


@live
@pytest.mark.redis
def test_redis_layer_delivers_committed_transition(demo, require_redis, new_case, user):
    assert get_channel_layer().__class__.__name__ == "RedisChannelLayer"
    case = _filed(new_case, user)
    sessions = [_session("zhiban01"), _session("chuzhi_hws"), _session("chuzhi_szc")]

    async def scenario():
        centre, ours, other = [(await _connect(x))[0] for x in sessions]
        await database_sync_to_async(_dispatch)(case, user, "HWS")
        got = [await centre.receive_json_from(timeout=2), await ours.receive_json_from(timeout=2)]
        quiet = await other.receive_nothing(timeout=0.3)
        for d in (centre, ours, other):
            await d.disconnect()
        return got, quiet

    got, quiet = async_to_sync(scenario)()
    assert [m["case"]["number"] for m in got] == [case.number, case.number]
    assert quiet


# --- pages over HTTP ----------------------------------------------------------------------

PAGES = [
    "/command/",
    "/command/snapshot/",
    "/command/charts/",
    "/command/efficiency/",
    "/command/report/?month=2026-11",
]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["zhiban01", "paiqian01", "chuzhi_hws", "lingdao_szc"])
def test_dashboard_pages_open_to_centre_and_departments(login, username):
    client = login(username)
    for url in PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username", ["jiandu001", "shenji01", "xitong01", "xuanchuan01", "dangan01"]
)
def test_dashboard_pages_refuse_other_roles(login, username):
    client = login(username)
    for url in [*PAGES, "/command/grids/", "/command/alarms/"]:
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_dashboard_pages_send_anonymous_to_login(client):
    response = client.get("/command/snapshot/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_snapshot_rejects_a_bad_since(login):
    assert login("zhiban01").get("/command/snapshot/?since=x").status_code == 400


@pytest.mark.django_db
def test_alarm_list_is_for_the_centre(login):
    assert login("zhiban01").get("/command/alarms/").status_code == 200
    assert login("chuzhi_hws").get("/command/alarms/").status_code == 403


def _worked_cases(new_case, user):
    """Three cases dispatched to HWS in November 2026: one handled on time and closed, one
    reworked, one still waiting."""
    from tests.conftest import MONDAY_9AM

    at = MONDAY_9AM
    cases = []
    for _ in range(3):
        case = new_case(at=at)
        s.case_accept(case=case, actor=user("shouli01"), at=at)
        s.case_file(case=case, actor=user("zhiban01"), at=at)
        s.case_dispatch(case=case, actor=user("paiqian01"), department=_dept("HWS"), at=at)
        cases.append(case)
    hws, supervisor = user("chuzhi_hws"), cases[0].grid.supervisor
    later = at + dt.timedelta(hours=1)
    for case in cases[:2]:
        s.case_handle(case=case, actor=hws, result="已清理", at=later)
    s.case_check(case=cases[0], actor=supervisor, passed=True, at=later)
    s.case_close(case=cases[0], actor=user("zhiban01"), at=later)
    s.case_check(case=cases[1], actor=supervisor, passed=False, comment="仍有垃圾", at=later)
    return cases


@pytest.mark.django_db
def test_every_board_number_drills_down_to_as_many_cases(new_case, user):
    from portal.workflow.dashboard import (
        AREA_METRICS,
        DEPARTMENT_METRICS,
        efficiency_boards,
        efficiency_cases,
    )
    from portal.workflow.evaluation import Period
    from tests.conftest import MONDAY_9AM

    cases = _worked_cases(new_case, user)
    period = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    boards = efficiency_boards(period=period)
    leader = user("zhiban01")
    now = MONDAY_9AM + dt.timedelta(days=30)
    hws = next(r for r in boards["department"] if r["name"] == str(_dept("HWS")))

    def n(level, pk, metric):
        return efficiency_cases(
            user=leader, level=level, pk=pk, metric=metric, period=period, now=now
        ).count()

    assert n("department", hws["id"], "due") == hws["due"] == 3
    assert n("department", hws["id"], "handled") == hws["handled"] == 2
    assert n("department", hws["id"], "reworked") / 3 == hws["rework_rate"]
    assert set(DEPARTMENT_METRICS) >= {"due", "handled", "on_time", "reworked"}
    street = next(r for r in boards["street"] if r["id"] == cases[0].street_id)
    assert n("street", street["id"], "filed") == street["filed"] == 3
    assert n("street", street["id"], "closed") == 1
    assert n("street", street["id"], "closed") / n("street", street["id"], "due") == pytest.approx(
        street["closure_rate"]
    )
    assert set(AREA_METRICS) == {"filed", "public", "due", "closed", "closed_on_time"}
    # A department user sees only its own cases behind a number.
    other = user("chuzhi_szc")
    assert (
        efficiency_cases(
            user=other, level="street", pk=street["id"], metric="filed", period=period
        ).count()
        == 0
    )


@pytest.mark.django_db
def test_efficiency_page_links_numbers_to_their_cases(login, new_case, user):
    cases = _worked_cases(new_case, user)
    client = login("zhiban01")
    page = client.get("/command/efficiency/?start=2026-11-01&end=2026-11-30").content.decode()
    hws = _dept("HWS")
    link = (
        f"level=department&amp;id={hws.pk}&amp;metric=due&amp;start=2026-11-01&amp;end=2026-11-30"
    )
    assert link in page
    drill = client.get("/command/efficiency/cases/?" + link.replace("&amp;", "&"))
    assert drill.status_code == 200
    for case in cases:
        assert case.number in drill.content.decode()
    bad = "/command/efficiency/cases/?level=grid&id=1&metric=due&start=2026-11-01&end=2026-11-30"
    assert client.get(bad).status_code == 404


@pytest.mark.django_db
def test_monthly_report_prints(login, new_case, user):
    _worked_cases(new_case, user)
    response = login("lingdao_hws").get("/command/report/?month=2026-11")
    page = response.content.decode()
    assert response.status_code == 200
    assert "2026-11" in page and "@media print" not in page  # print rules live in the CSS
    assert "command.css" in page
    assert response.context["report"]["reported"] == 3
    assert login("zhiban01").get("/command/report/?month=2026-13").status_code == 400
