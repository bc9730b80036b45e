import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.city.models import Category, Department
from portal.workflow import services as s
from portal.workflow.models import CaseEvent, CaseRequest, CaseStep, Status, Step
from tests.conftest import MONDAY_9AM

pytestmark = pytest.mark.django_db
HWS = "HWS"  # 环境卫生管理所, the default department of 暴露垃圾


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def walk_to_dispatched(case, user, at=MONDAY_9AM):
    case = s.case_accept(case=case, actor=user("shouli01"), at=at + minutes(10))
    case = s.case_file(case=case, actor=user("zhiban01"), at=at + minutes(20))
    return s.case_dispatch(
        case=case,
        actor=user("paiqian01"),
        department=Department.objects.get(code=HWS),
        at=at + minutes(30),
    )


def test_report_locates_grid_module_street_and_numbers_the_case(new_case, grid):
    case = new_case()
    assert case.status == Status.REPORTED
    assert case.number == "JY2026112300001"
    assert (case.grid_id, case.module_id, case.street_id) == (
        grid.id,
        grid.module_id,
        grid.community.street_id,
    )
    assert new_case().number == "JY2026112300002"
    step = case.steps.get()
    assert step.step == Step.ACCEPT and step.deadline == MONDAY_9AM + dt.timedelta(hours=1)


def test_report_outside_the_district_is_refused_and_nothing_is_written(user):
    with pytest.raises(ValidationError) as err:
        s.case_report(
            actor=user("jiandu001"),
            source="supervisor",
            category=Category.objects.first(),
            description="x",
            lon=118.9,
            lat=32.3,
        )
    assert "lon" in err.value.message_dict
    assert not CaseEvent.objects.exists()


def test_the_whole_loop_with_deadlines_and_audit(new_case, user, grid):
    case = new_case()
    case = walk_to_dispatched(case, user)
    assert case.status == Status.DISPATCHED
    # 暴露垃圾: 4 working hours from 09:30 Monday: 2.5 h before lunch, 1.5 h after → 15:00.
    assert case.handling_deadline == MONDAY_9AM.replace(hour=15, minute=0)
    handler = user("chuzhi_hws")
    case = s.case_handle(
        case=case, actor=handler, result="已清运完毕", at=MONDAY_9AM + minutes(120)
    )
    assert case.status == Status.HANDLED
    case = s.case_check(case=case, actor=grid.supervisor, passed=True, at=MONDAY_9AM + minutes(150))
    case = s.case_close(case=case, actor=user("zhiban01"), at=MONDAY_9AM + minutes(160))
    assert case.status == Status.CLOSED
    assert case.step_deadline is None
    actions = list(case.events.values_list("action", "from_status", "to_status"))
    assert actions == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("file", "accepted", "filed"),
        ("dispatch", "filed", "dispatched"),
        ("handle", "dispatched", "handled"),
        ("check", "handled", "checked"),
        ("close", "checked", "closed"),
    ]
    steps = list(case.steps.values_list("step", "outcome"))
    assert [x for x, _ in steps] == ["accept", "file", "dispatch", "handle", "check", "close"]
    assert all(step.on_time for step in case.steps.all())


@pytest.mark.parametrize(
    ("username", "action"),
    [
        ("jiandu001", "accept"),  # a supervisor cannot accept
        ("paiqian01", "accept"),  # nor a dispatcher
        ("shouli01", "file"),  # a clerk cannot file
        ("shouli01", "dispatch"),
        ("zhiban01", "dispatch"),
        ("chuzhi_cgzf", "handle"),  # another department cannot handle
        ("paiqian01", "handle"),
        ("chuzhi_hws", "check"),  # the department cannot check its own work
        ("jiandu002", "check"),  # nor another module's supervisor
        ("paiqian01", "close"),
    ],
)
def test_wrong_roles_are_refused_at_every_step(new_case, user, grid, username, action):
    case = new_case()
    stages = ["accept", "file", "dispatch", "handle", "check", "close"]
    right = {
        "accept": lambda c: s.case_accept(case=c, actor=user("shouli01")),
        "file": lambda c: s.case_file(case=c, actor=user("zhiban01")),
        "dispatch": lambda c: s.case_dispatch(
            case=c, actor=user("paiqian01"), department=Department.objects.get(code=HWS)
        ),
        "handle": lambda c: s.case_handle(case=c, actor=user("chuzhi_hws"), result="已处理"),
        "check": lambda c: s.case_check(case=c, actor=grid.supervisor, passed=True),
        "close": lambda c: s.case_close(case=c, actor=user("zhiban01")),
    }
    for stage in stages[: stages.index(action)]:
        case = right[stage](case)
    wrong = {
        "accept": lambda: s.case_accept(case=case, actor=user(username)),
        "file": lambda: s.case_file(case=case, actor=user(username)),
        "dispatch": lambda: s.case_dispatch(
            case=case, actor=user(username), department=Department.objects.get(code=HWS)
        ),
        "handle": lambda: s.case_handle(case=case, actor=user(username), result="x"),
        "check": lambda: s.case_check(case=case, actor=user(username), passed=True),
        "close": lambda: s.case_close(case=case, actor=user(username)),
    }
    before = case.events.count()
    with pytest.raises(PermissionDenied):
        wrong[action]()
    assert case.events.count() == before
    right[action](case)  # and the right role succeeds


def test_a_repeated_press_is_a_conflict_not_a_second_transition(new_case, user):
    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    with pytest.raises(s.TransitionConflict):
        s.case_accept(case=case, actor=user("shouli02"))
    assert case.events.filter(action="accept").count() == 1


def test_stale_form_version_is_a_conflict(new_case, user):
    case = new_case()
    with pytest.raises(s.TransitionConflict):
        s.case_accept(case=case, actor=user("shouli01"), expected_version=case.version - 1)
    s.case_accept(case=case, actor=user("shouli01"), expected_version=case.version)


def test_verify_path(new_case, user, grid):
    case = new_case(
        source="public", actor=None, reporter_name="张先生", reporter_phone="13800001234"
    )
    case = s.case_verify_request(case=case, actor=user("shouli01"))
    assert case.status == Status.VERIFYING
    with pytest.raises(PermissionDenied):
        s.case_verify(case=case, actor=user("jiandu002"), verified=True)
    case = s.case_verify(case=case, actor=grid.supervisor, verified=True)
    assert case.status == Status.REPORTED and case.verified is True
    assert s.case_accept(case=case, actor=user("shouli01")).status == Status.ACCEPTED


def test_decline_needs_a_reason(new_case, user):
    case = new_case()
    with pytest.raises(ValidationError):
        s.case_decline(case=case, actor=user("shouli01"), reason=" ")
    case = s.case_decline(case=case, actor=user("shouli01"), reason="不属于城市管理范围")
    assert case.status == Status.DECLINED and case.step_deadline is None


def test_merge_duplicates(new_case, user):
    original, duplicate = new_case(), new_case()
    duplicate = s.case_merge(case=duplicate, into=original, actor=user("shouli01"))
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    with pytest.raises(ValidationError):
        s.case_merge(case=new_case(), into=duplicate, actor=user("shouli01"))


def test_rework_goes_back_to_the_same_department(new_case, user, grid):
    case = walk_to_dispatched(new_case(), user)
    case = s.case_handle(case=case, actor=user("chuzhi_hws"), result="已处理")
    with pytest.raises(ValidationError):
        s.case_check(case=case, actor=grid.supervisor, passed=False)
    case = s.case_check(case=case, actor=grid.supervisor, passed=False, comment="现场仍有垃圾")
    assert case.status == Status.DISPATCHED and case.rework_count == 1
    assert case.department.code == HWS
    case = s.case_handle(case=case, actor=user("chuzhi_hws"), result="已彻底清理")
    assert case.status == Status.HANDLED


def test_return_needs_approval_then_redispatch(new_case, user):
    case = walk_to_dispatched(new_case(), user)
    request = s.case_request(
        case=case, actor=user("chuzhi_hws"), kind="return", reason="不属于本部门职责"
    )
    case.refresh_from_db()
    assert case.status == Status.RETURN_REQUESTED
    with pytest.raises(PermissionDenied):
        s.case_request_decide(request=request, actor=user("paiqian01"), approve=True)
    s.case_request_decide(request=request, actor=user("zhiban01"), approve=True)
    case.refresh_from_db()
    assert case.status == Status.FILED and case.return_count == 1
    # The returning department may no longer handle it.
    assert not user("chuzhi_hws").has_perm("workflow.handle_case", case)
    case = s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="CGZF")
    )
    assert user("chuzhi_cgzf").has_perm("workflow.handle_case", case)


def test_refused_return_resumes_handling(new_case, user):
    case = walk_to_dispatched(new_case(), user)
    request = s.case_request(
        case=case, actor=user("chuzhi_hws"), kind="return", reason="不属于本部门"
    )
    s.case_request_decide(
        request=request, actor=user("zhiban01"), approve=False, comment="属于环卫职责"
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.return_count == 0


def test_extension_moves_the_deadline(new_case, user):
    case = walk_to_dispatched(new_case(), user)
    old = case.handling_deadline
    with pytest.raises(ValidationError):
        s.case_request(case=case, actor=user("chuzhi_hws"), kind="extension", reason="需要调度车辆")
    request = s.case_request(
        case=case,
        actor=user("chuzhi_hws"),
        kind="extension",
        reason="需要调度车辆",
        extra_hours=Decimal("4"),
    )
    with pytest.raises(s.TransitionConflict):  # one pending request at a time
        s.case_request(case=case, actor=user("chuzhi_hws"), kind="hang", reason="x")
    s.case_request_decide(request=request, actor=user("zhiban01"), approve=True)
    case.refresh_from_db()
    assert case.extension_count == 1
    # 15:00 Monday + 4 working hours: 2.5 h on Monday, 1.5 h on Tuesday → 10:00.
    assert old == MONDAY_9AM.replace(hour=15)
    assert case.handling_deadline == MONDAY_9AM.replace(day=24, hour=10)
    assert (
        case.steps.get(step=Step.HANDLE, finished_at__isnull=True).deadline
        == case.handling_deadline
    )


@pytest.mark.parametrize(("kind", "status"), [("defer", Status.DEFERRED), ("hang", Status.HUNG)])
def test_defer_and_hang_up_then_resume(new_case, user, kind, status):
    case = walk_to_dispatched(new_case(), user)
    request = s.case_request(
        case=case, actor=user("chuzhi_hws"), kind=kind, reason="季节性原因暂缓"
    )
    s.case_request_decide(request=request, actor=user("zhiban01"), approve=True)
    case.refresh_from_db()
    assert case.status == status and case.step_deadline is None
    case = s.case_resume(case=case, actor=user("zhiban01"))
    assert case.status == Status.DISPATCHED and case.step_deadline is not None


def test_cancel_with_approval(new_case, user):
    case = s.case_accept(case=new_case(), actor=user("shouli01"))
    request = s.case_request(case=case, actor=user("shouli01"), kind="cancel", reason="重复上报")
    s.case_request_decide(request=request, actor=user("zhiban01"), approve=True)
    case.refresh_from_db()
    assert case.status == Status.CANCELLED
    assert not CaseStep.objects.filter(case=case, finished_at__isnull=True).exists()
    assert request.decision == CaseRequest.Decision.PENDING  # the caller's copy is stale
    request.refresh_from_db()
    assert request.decision == CaseRequest.Decision.APPROVED


def test_self_handled_case_is_closed_at_once(user, grid):
    case = s.case_self_handle(
        actor=grid.supervisor,
        category=Category.objects.get(name="非法小广告"),
        description="电线杆上小广告",
        lon=grid.centre_lon,
        lat=grid.centre_lat,
        result="已现场清除",
        at=MONDAY_9AM,
    )
    assert case.status == Status.CLOSED and case.self_handled
    with pytest.raises(PermissionDenied):
        s.case_self_handle(
            actor=user("chuzhi_hws"),
            category=case.category,
            description="x",
            lon=grid.centre_lon,
            lat=grid.centre_lat,
            result="x",
        )


def test_urgent_case_runs_on_calendar_hours(new_case, user):
    # 道路积水 urgent: 1 calendar hour, even on a Saturday night.
    saturday_night = MONDAY_9AM.replace(day=21, hour=22)
    case = new_case(category="道路积水", urgency="urgent", at=saturday_night)
    assert case.step_deadline == saturday_night + dt.timedelta(hours=1)
    case = walk_to_dispatched(case, user, at=saturday_night)
    assert case.handling_deadline == saturday_night + minutes(30) + dt.timedelta(hours=1)


def test_grid_without_supervisor_falls_back_to_the_module_administrator(new_case, user, grid):
    grid.supervisor = None
    grid.save()
    case = new_case(actor=user("jiandu001"))
    case = s.case_verify_request(case=case, actor=user("shouli01"))
    module_admin = grid.module.supervisor
    assert case.steps.get(step=Step.VERIFY).assignee == module_admin
    assert s.case_verify(case=case, actor=module_admin, verified=True).status == Status.REPORTED
