from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal.inbox.registry import inbox_collect
from portal.workflow.sla import remaining


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    """我的待办: every task waiting for the person, from the case loop and the OA."""
    now = timezone.now()
    inbox = inbox_collect(user=request.user, now=now)
    rows = [
        (task, remaining(now=now, deadline=task.deadline) if task.deadline else None)
        for task in inbox.tasks
    ]
    return render(request, "inbox/inbox.html", {"inbox": inbox, "rows": rows})
