import pytest
from django.core.exceptions import PermissionDenied

from portal.city.models import Department
from portal.workflow import services as s
from portal.workflow.inbox import ClaimConflict, inbox_list, step_claim, step_unclaim
from portal.workflow.models import Step

pytestmark = pytest.mark.django_db


def test_role_inboxes_hold_the_steps_of_the_role(new_case, user):
    case = new_case()
    assert [st.step for st in inbox_list(user=user("shouli01"))] == [Step.ACCEPT]
    assert list(inbox_list(user=user("zhiban01"))) == []
    s.case_accept(case=case, actor=user("shouli01"))
    assert [st.step for st in inbox_list(user=user("zhiban01"))] == [Step.FILE]
    assert list(inbox_list(user=user("shouli01"))) == []


def test_department_inbox_and_claim(new_case, user):
    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    handle = inbox_list(user=user("chuzhi_hws")).get()
    assert handle.step == Step.HANDLE
    assert list(inbox_list(user=user("chuzhi_cgzf"))) == []
    with pytest.raises(PermissionDenied):
        step_claim(step=handle, user=user("chuzhi_cgzf"))
    step_claim(step=handle, user=user("chuzhi_hws"))
    with pytest.raises(ClaimConflict):
        step_claim(step=handle, user=user("lingdao_hws"))
    assert list(inbox_list(user=user("lingdao_hws"))) == []  # claimed by a colleague
    assert list(inbox_list(user=user("chuzhi_hws"), mine_only=True)) == [handle]
    with pytest.raises(PermissionDenied):
        step_unclaim(step=handle, user=user("lingdao_hws"))
    step_unclaim(step=handle, user=user("chuzhi_hws"))
    assert inbox_list(user=user("lingdao_hws")).get() == handle


def test_supervisor_sees_checks_assigned_to_them(new_case, user, grid):
    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    s.case_handle(case=case, actor=user("chuzhi_hws"), result="已处理")
    check = inbox_list(user=grid.supervisor).get()
    assert check.step == Step.CHECK
    with pytest.raises(PermissionDenied):  # a named assignment is not put back in a pool
        step_unclaim(step=check, user=grid.supervisor)


def test_inbox_page_claim_and_conflict(client, login, new_case):
    new_case()
    login("shouli01")
    page = client.get("/cases/inbox/")
    assert page.status_code == 200 and "受理" in page.content.decode()
    step = inbox_list(user=page.wsgi_request.user).get()
    assert client.post(f"/cases/inbox/{step.pk}/claim/").status_code == 302
    login("shouli02")
    response = client.post(f"/cases/inbox/{step.pk}/claim/")
    assert response.status_code == 409 and "已被他人认领" in response.content.decode()
    login("chuzhi_hws")
    assert client.post(f"/cases/inbox/{step.pk}/claim/").status_code == 403


def test_claiming_a_missing_step_is_a_404(client, login):
    login("shouli01")
    assert client.post("/cases/inbox/999999/claim/").status_code == 404
