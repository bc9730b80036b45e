"""Reads of cases: who may see which, lists with filters and lights, what a user may do."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case as When_
from django.db.models import CharField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from portal.accounts.models import User
from portal.city.models import Category, Department, Street
from portal.workflow.models import OPEN_STATUSES, Case, CaseRequest, Status
from portal.workflow.sla import Light


def case_visible(*, user: User) -> QuerySet[Case]:
    """Cases the user may see: centre roles all; departments the cases dispatched to them
    (guardian grants); supervisors and module administrators the cases of their modules."""
    cases = Case.objects.all()
    if user.has_perm("workflow.view_case"):
        return cases
    granted = get_objects_for_user(
        user, "workflow.view_case", klass=Case, accept_global_perms=False, with_superuser=False
    ).values("pk")
    own_modules = Q(module__grids__supervisor=user) | Q(module__supervisor=user)
    return cases.filter(Q(pk__in=granted) | own_modules | Q(reporter=user)).distinct()


def with_light(cases: QuerySet[Case], *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """Annotate each case with its current light, computed in SQL from the stored clock."""
    now = now or timezone.now()
    return cases.annotate(
        light=When_(
            When(step_deadline__isnull=True, then=Value(Light.GREEN)),
            When(step_deadline__lte=now, then=Value(Light.RED)),
            When(step_warn_at__lte=now, then=Value(Light.YELLOW)),
            default=Value(Light.GREEN),
            output_field=CharField(),
        )
    )


def case_list(
    *, user: User, filters: dict | None = None, now: dt.datetime | None = None
) -> QuerySet[Case]:
    """The user's cases with filters: status, light, category, street, module, department, dates."""
    filters = filters or {}
    now = now or timezone.now()
    cases = with_light(case_visible(user=user), now=now).select_related(
        "category__major", "street", "module", "department", "grid"
    )
    status = filters.get("status")
    if status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if filters.get("light"):
        cases = cases.filter(light=filters["light"])
    for field in ("category", "street", "module", "department"):
        if filters.get(field):
            cases = cases.filter(**{field: filters[field]})
    if filters.get("source"):
        cases = cases.filter(source=filters["source"])
    if filters.get("date_from"):
        cases = cases.filter(reported_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        cases = cases.filter(reported_at__date__lte=filters["date_to"])
    if filters.get("q"):
        cases = cases.filter(
            Q(number__icontains=filters["q"]) | Q(description__icontains=filters["q"])
        )
    return cases.order_by("-reported_at", "-id")


def case_get(*, user: User, number: str) -> Case:
    """One case for the user: 404 if there is none, 403 if it exists but is not theirs to see."""
    case = (
        with_light(Case.objects.all())
        .select_related(
            "category__major", "street", "module", "department", "grid__supervisor", "merged_into"
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    if not case_visible(user=user).filter(pk=case.pk).exists():
        raise PermissionDenied
    return case


def _can(user: User, perm: str, case: Case) -> bool:
    full = f"workflow.{perm}"
    return user.has_perm(full) or user.has_perm(full, case)


# Which action each status offers, and the permission it needs.
ACTIONS = {
    Status.REPORTED: [
        ("accept", "accept_case"),
        ("verify_request", "accept_case"),
        ("decline", "accept_case"),
        ("merge", "accept_case"),
    ],
    Status.VERIFYING: [("verify", "verify_case")],
    Status.ACCEPTED: [("file", "file_case"), ("request_cancel", "accept_case")],
    Status.FILED: [("dispatch", "dispatch_case"), ("request_cancel", "accept_case")],
    Status.DISPATCHED: [
        ("handle", "handle_case"),
        ("request_return", "handle_case"),
        ("request_extension", "handle_case"),
        ("request_defer", "handle_case"),
        ("request_hang", "handle_case"),
    ],
    Status.HANDLED: [("check", "check_case")],
    Status.CHECKED: [("close", "close_case")],
    Status.DEFERRED: [("resume", "approve_case")],
    Status.HUNG: [("resume", "approve_case")],
}


ACTION_PERMS = {action: perm for items in ACTIONS.values() for action, perm in items}


def case_may(*, user: User, case: Case, action: str) -> bool:
    """Whether the user holds the permission an action needs on this case, in any state."""
    perm = ACTION_PERMS.get(action)
    return perm is not None and _can(user, perm, case)


def case_actions(*, user: User, case: Case) -> list[str]:
    """The actions this user may take on this case now."""
    actions = [name for name, perm in ACTIONS.get(case.status, []) if _can(user, perm, case)]
    pending = case.requests.filter(decision=CaseRequest.Decision.PENDING).first()
    if pending is not None:
        actions = [a for a in actions if not a.startswith("request_")]
        if _can(user, "approve_case", case):
            actions.append("decide")
    return actions


@dataclass(frozen=True)
class Suggestion:
    department: Department | None
    reason: str


def dispatch_suggestion(*, case: Case) -> Suggestion:
    """Whom to dispatch to, and why: the component's owner first (先属主), then the
    category's default department, then the street office of the place (属地)."""
    component = case.component
    if component is not None:
        owner = component.maintainer_department or component.owner_department
        if owner is not None:
            return Suggestion(owner, "部件权属/养护单位")
    if case.category.default_department_id:
        return Suggestion(case.category.default_department, "案件小类默认处置部门")
    office = Department.objects.filter(street_id=case.street_id).first()
    return Suggestion(office, "属地街道") if office else Suggestion(None, "")


def case_pending_request(*, case: Case) -> CaseRequest | None:
    return (
        case.requests.filter(decision=CaseRequest.Decision.PENDING)
        .select_related("requested_by")
        .first()
    )


def facet_names() -> dict[str, dict]:
    """Display names of the values the case facets count (status codes, ids)."""
    return {
        "status": dict(Status.choices),
        "category": dict(Category.objects.values_list("pk", "name")),
        "street": dict(Street.objects.values_list("pk", "name")),
        "department": dict(Department.objects.values_list("pk", "name")),
    }
