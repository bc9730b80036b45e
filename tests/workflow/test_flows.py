"""The viewflow process follows every case: tasks open and close with the transitions."""

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from portal.city.models import Department
from portal.workflow import services as s
from portal.workflow.flows import CaseFlow, CaseProcess

pytestmark = pytest.mark.django_db


def tasks(case):
    return [
        (t.flow_task.name, t.status)
        for t in Task.objects.filter(
            process__artifact_object_id=case.pk, flow_task_type="HUMAN"
        ).order_by("pk")
    ]


def open_task(case):
    return Task.objects.get(
        process__artifact_object_id=case.pk,
        flow_task_type="HUMAN",
        status__in=["NEW", "ASSIGNED", "STARTED"],
    )


def test_a_case_walks_the_flow_to_its_end(new_case, user, grid):
    case = new_case()
    process = CaseProcess.objects.get(artifact_object_id=case.pk)
    assert process.flow_class is CaseFlow and process.case == case
    assert open_task(case).owner_permission == "workflow.accept_case"
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    handle = open_task(case)
    assert (handle.flow_task.name, handle.owner_permission) == ("handle", "workflow.handle_case")
    assert handle.owner_permission_obj_pk == str(case.pk)
    s.case_handle(case=case, actor=user("chuzhi_hws"), result="已清运")
    check = open_task(case)
    assert (check.flow_task.name, check.owner, check.status) == (
        "check",
        grid.supervisor,
        STATUS.ASSIGNED,
    )
    s.case_check(case=case, actor=grid.supervisor, passed=False, comment="仍有垃圾")  # rework
    assert open_task(case).flow_task.name == "handle"
    s.case_handle(case=case, actor=user("chuzhi_hws"), result="已彻底清理")
    s.case_check(case=case, actor=grid.supervisor, passed=True)
    s.case_close(case=case, actor=user("zhiban01"))
    assert [name for name, _ in tasks(case)] == [
        "accept",
        "file",
        "dispatch",
        "handle",
        "check",
        "handle",
        "check",
        "close",
    ]
    assert all(status == STATUS.DONE for _, status in tasks(case))
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    done = (
        Task.objects.filter(process=process, flow_task_type="HUMAN")
        .order_by("pk")
        .values_list("owner__username", flat=True)
    )
    assert list(done)[:3] == ["shouli01", "zhiban01", "paiqian01"]


def test_verification_and_return_loop_back(new_case, user, grid):
    case = new_case(source="public", actor=None)
    s.case_verify_request(case=case, actor=user("shouli01"))
    assert open_task(case).flow_task.name == "verify"
    s.case_verify(case=case, actor=grid.supervisor, verified=True)
    assert open_task(case).flow_task.name == "accept"
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="CGZF")
    )
    request = s.case_request(
        case=case, actor=user("chuzhi_cgzf"), kind="return", reason="非本部门职责"
    )
    assert open_task(case).flow_task.name == "handle"  # still owed while the return is pending
    s.case_request_decide(request=request, actor=user("zhiban01"), approve=True)
    assert open_task(case).flow_task.name == "dispatch"


def test_cancel_and_decline_end_the_process(new_case, user):
    declined = new_case()
    s.case_decline(case=declined, actor=user("shouli01"), reason="不属于城市管理")
    cancelled = s.case_accept(case=new_case(), actor=user("shouli01"))
    request = s.case_request(
        case=cancelled, actor=user("shouli01"), kind="cancel", reason="重复上报"
    )
    s.case_request_decide(request=request, actor=user("zhiban01"), approve=True)
    for case in (declined, cancelled):
        assert CaseProcess.objects.get(artifact_object_id=case.pk).status == PROCESS.DONE


def test_deferral_waits_on_a_resume_task(new_case, user):
    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    request = s.case_request(case=case, actor=user("chuzhi_hws"), kind="defer", reason="季节性原因")
    s.case_request_decide(request=request, actor=user("zhiban01"), approve=True)
    assert open_task(case).flow_task.name == "resume"
    s.case_resume(case=case, actor=user("zhiban01"))
    assert open_task(case).flow_task.name == "handle"


def test_queue_of_a_centre_role(new_case, user):
    case = new_case()
    queue = Task.objects.user_queue(user("shouli01"), flow_class=CaseFlow).filter(status="NEW")
    assert [t.process.artifact_object_id for t in queue] == [case.pk]
    assert (
        not Task.objects.user_queue(user("chuzhi_hws"), flow_class=CaseFlow)
        .filter(status="NEW")
        .exists()
    )


def test_attached_cases_continue_in_the_flow(new_case, user):
    from portal.workflow.flows import flow_attach

    case = new_case()
    CaseProcess.objects.filter(artifact_object_id=case.pk).delete()  # as if bulk-imported
    assert flow_attach(cases=[case]) == 1
    assert open_task(case).flow_task.name == "accept"
    s.case_accept(case=case, actor=user("shouli01"))
    assert open_task(case).flow_task.name == "file"
