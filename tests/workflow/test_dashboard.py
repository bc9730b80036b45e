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
from portal.workflow import services as s
from portal.workflow.dashboard import (
    CENTRE_GROUP,
    Scope,
    dashboard_charts,
    dashboard_scope,
    dashboard_snapshot,
    department_group_name,
    grid_features,
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
    features = grid_features()["features"]
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
