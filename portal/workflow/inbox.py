"""Task inboxes: the open steps a person may take, per role and per person, with
claim/unclaim so two colleagues do not work on the same step."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.inbox.registry import Task, TaskBatch
from portal.workflow.models import CaseStep, Step

# Centre steps: anyone holding the permission may take them; departments take "handle".
STEP_PERMS = {
    Step.ACCEPT: "workflow.accept_case",
    Step.FILE: "workflow.file_case",
    Step.DISPATCH: "workflow.dispatch_case",
    Step.APPROVE: "workflow.approve_case",
    Step.CLOSE: "workflow.close_case",
}
CLAIMABLE = (*STEP_PERMS, Step.HANDLE)


class ClaimConflict(Exception):
    """The step is already someone else's."""


def _pool(user: User) -> Q:
    steps = [step for step, perm in STEP_PERMS.items() if user.has_perm(perm)]
    pool = Q(step__in=steps)
    if user.department_id:
        pool |= Q(step=Step.HANDLE, department_id=user.department_id)
    return pool


def inbox_list(*, user: User, mine_only: bool = False) -> QuerySet[CaseStep]:
    """Open steps assigned to the user, plus (unless mine_only) the unclaimed steps of
    their roles and department, most urgent first."""
    steps = CaseStep.objects.filter(finished_at__isnull=True).select_related(
        "case__category", "case__street", "assignee"
    )
    mine = Q(assignee=user)
    scope = mine if mine_only else mine | (Q(assignee__isnull=True) & _pool(user))
    return steps.filter(scope).order_by("deadline", "id")


def step_claim(*, step: CaseStep | int, user: User) -> CaseStep:
    """Take an unclaimed step of one's role or department."""
    pk = step.pk if isinstance(step, CaseStep) else step
    step = CaseStep.objects.get(pk=pk)
    if step.step not in CLAIMABLE or not CaseStep.objects.filter(_pool(user), pk=pk).exists():
        raise PermissionDenied(_("该环节不属于您的岗位。"))
    taken = CaseStep.objects.filter(pk=pk, assignee__isnull=True, finished_at__isnull=True).update(
        assignee=user
    )
    if not taken:
        raise ClaimConflict(_("该环节已被他人认领或已办结。"))
    step.refresh_from_db()
    return step


def step_unclaim(*, step: CaseStep | int, user: User) -> CaseStep:
    """Give a claimed step back to the pool (only its holder may)."""
    pk = step.pk if isinstance(step, CaseStep) else step
    step = CaseStep.objects.get(pk=pk)
    if step.step not in CLAIMABLE or step.assignee_id != user.pk:
        raise PermissionDenied(_("只能退回自己认领的环节。"))
    CaseStep.objects.filter(pk=pk, assignee=user).update(assignee=None)
    step.refresh_from_db()
    return step


def case_tasks(user: User, limit: int) -> TaskBatch:
    """The personal inbox's case-loop source: the same steps as the case inbox."""
    steps = inbox_list(user=user)
    return TaskBatch(
        total=steps.count(),
        tasks=[
            Task(
                title=step.case.category.name,
                reference=step.case.number,
                action=step.get_step_display(),
                url=reverse("workflow:case_detail", args=[step.case.number]),
                deadline=step.deadline,
                warn_at=step.case.step_warn_at,
                received_at=step.started_at,
            )
            for step in steps[:limit]
        ],
    )
