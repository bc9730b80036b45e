"""CaseFlow: the closed loop as a viewflow process, one process per case.

The business data is the Case table; the process points to it (its artifact). Human steps
are View nodes whose tasks say who may take the step (a permission, or a named supervisor);
gateways read the case's status to route. The services in services.py stay the one place
that changes a case: after each change, `flow_advance` completes the tasks the change
finished, and viewflow opens the next ones along the graph. CaseStep keeps each step's
deadline and finish for the SLA clock and evaluation.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from portal.workflow.models import Case, Status


class CaseProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("案件流程")
        verbose_name_plural = _("案件流程")

    @property
    def case(self) -> Case:
        return Case.objects.select_related("grid__supervisor", "module__supervisor").get(
            pk=self.artifact_object_id
        )


def _status(*statuses: str):
    return lambda activation: activation.process.case.status in statuses


def _field_supervisor(activation):
    case = activation.process.case
    return case.grid.supervisor or case.module.supervisor


def task_view(request, **kwargs):
    """A task is done on the case's own page."""
    task = Task.objects.select_related("process").get(pk=kwargs["task_pk"])
    return redirect(
        "workflow:case_detail", number=CaseProcess.objects.get(pk=task.process_id).case.number
    )


class CaseFlow(flow.Flow):
    """案件处置流程"""

    process_class = CaseProcess
    process_title = _("案件处置")

    start = flow.StartHandle(this.start_case).Next(this.accept)
    accept = flow.View(task_view).Permission("workflow.accept_case").Next(this.after_accept)
    after_accept = (
        flow.Switch()
        .Case(this.verify, _status(Status.VERIFYING))
        .Case(this.file, _status(Status.ACCEPTED))
        .Default(this.end)
    )
    verify = flow.View(task_view).Assign(_field_supervisor).Next(this.accept)
    file = flow.View(task_view).Permission("workflow.file_case").Next(this.after_file)
    after_file = flow.Switch().Case(this.dispatch, _status(Status.FILED)).Default(this.end)
    dispatch = flow.View(task_view).Permission("workflow.dispatch_case").Next(this.after_dispatch)
    after_dispatch = flow.Switch().Case(this.handle, _status(Status.DISPATCHED)).Default(this.end)
    handle = (
        flow.View(task_view)
        .Permission("workflow.handle_case", obj=lambda process: process.case)
        .Next(this.after_handle)
    )
    after_handle = (
        flow.Switch()
        .Case(this.check, _status(Status.HANDLED))
        .Case(this.dispatch, _status(Status.FILED))
        .Case(this.resume, _status(Status.DEFERRED, Status.HUNG))
        .Default(this.end)
    )
    resume = flow.View(task_view).Permission("workflow.approve_case").Next(this.handle)
    check = flow.View(task_view).Assign(_field_supervisor).Next(this.after_check)
    after_check = (
        flow.Switch()
        .Case(this.close, _status(Status.CHECKED))
        .Case(this.handle, _status(Status.DISPATCHED))
        .Default(this.end)
    )
    close = flow.View(task_view).Permission("workflow.close_case").Next(this.end)
    end = flow.End()

    def start_case(self, activation, case: Case) -> CaseProcess:
        activation.process.artifact = case
        return activation.process


# While the case is in one of these states, the node's task is still owed.
OPEN_WHILE = {
    "accept": {Status.REPORTED},
    "verify": {Status.VERIFYING},
    "file": {Status.ACCEPTED},
    "dispatch": {Status.FILED},
    "handle": {Status.DISPATCHED, Status.RETURN_REQUESTED},
    "resume": {Status.DEFERRED, Status.HUNG},
    "check": {Status.HANDLED},
    "close": {Status.CHECKED},
}
ACTIVE = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def flow_start(*, case: Case) -> CaseProcess:
    """Start the case's process; its first task (受理) opens at once."""
    return CaseFlow.start.run(case=case)


def flow_advance(*, case: Case, actor) -> None:
    """Complete every open task the case's new state has finished, as `actor`; viewflow then
    opens the next tasks. Repeats until the open tasks match the state."""
    for _step in range(10):  # a transition finishes at most a few tasks; bound the loop
        task = (
            Task.objects.filter(
                process__artifact_object_id=case.pk,
                process__flow_class=CaseFlow,
                flow_task_type="HUMAN",
                status__in=ACTIVE,
            )
            .order_by("pk")
            .first()
        )
        if task is None or case.status in OPEN_WHILE[task.flow_task.name]:
            return
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(actor)
        if task.status == STATUS.ASSIGNED:
            activation.start(None)
        activation.execute()


NODE_FOR_STATUS = {status: node for node, statuses in OPEN_WHILE.items() for status in statuses}


def flow_attach(*, cases: list[Case]) -> int:
    """Give cases written outside the services (the demo's bulk histories) the process and
    open task their state implies, so the flow carries them on from there. Final cases get
    no process: they are history."""
    from django.contrib.contenttypes.models import ContentType

    open_cases = [c for c in cases if c.status in NODE_FOR_STATUS]
    if not open_cases:
        return 0
    case_type = ContentType.objects.get_for_model(Case)
    processes = CaseProcess.objects.bulk_create(
        [
            CaseProcess(
                flow_class=CaseFlow, artifact_content_type=case_type, artifact_object_id=c.pk
            )
            for c in open_cases
        ]
    )
    tasks = []
    for case, process in zip(open_cases, processes, strict=True):
        node = getattr(CaseFlow, NODE_FOR_STATUS[case.status])
        task = Task(process=process, flow_task=node, flow_task_type="HUMAN", status=STATUS.NEW)
        if node.name in ("verify", "check"):
            task.owner_id = case.grid.supervisor_id or case.module.supervisor_id
            task.status = STATUS.ASSIGNED
        else:
            task.owner_permission = node._owner_permission
            if node.name == "handle":
                task.owner_permission_content_type = case_type
                task.owner_permission_obj_pk = str(case.pk)
        tasks.append(task)
    Task.objects.bulk_create(tasks)
    return len(open_cases)
