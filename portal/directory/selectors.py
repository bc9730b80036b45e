"""The organisation tree (centre, professional departments, street offices with their
communities) and the active staff of each unit, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q

from portal.accounts.models import User
from portal.accounts.roles import DEPARTMENT_GROUP_PREFIX
from portal.city.models import Community, Department


@dataclass
class Unit:
    """A node of the tree: a department or a community, its staff and its sub-units."""

    name: str
    code: str
    phone: str = ""
    staff: list[User] = field(default_factory=list)
    children: list[Unit] = field(default_factory=list)


def _staff(query: str) -> Q:
    words = query.split()
    condition = Q()
    for word in words:
        condition &= (
            Q(real_name__icontains=word)
            | Q(username__icontains=word)
            | Q(phone__contains=word)
            | Q(groups__name__icontains=word)
        )
    return condition


def directory_tree(*, query: str = "") -> list[tuple[str, list[Unit]]]:
    """The directory grouped by kind of unit; with `query`, only the staff matching every
    word (name, account, phone or role) and the units holding them."""
    roles = Prefetch(
        "groups",
        queryset=Group.objects.exclude(name__startswith=DEPARTMENT_GROUP_PREFIX).order_by("name"),
        to_attr="roles",
    )
    people = User.objects.filter(is_active=True).prefetch_related(roles).order_by("username")
    if query:
        people = people.filter(_staff(query)).distinct()
    by_department: dict[int, list[User]] = {}
    by_community: dict[int, list[User]] = {}
    for person in people:
        if person.community_id:
            by_community.setdefault(person.community_id, []).append(person)
        elif person.department_id:
            by_department.setdefault(person.department_id, []).append(person)
    communities: dict[int, list[Community]] = {}
    for community in Community.objects.order_by("street__code", "code"):
        communities.setdefault(community.street_id, []).append(community)

    groups: dict[str, list[Unit]] = {kind: [] for kind in Department.Kind.values}
    for department in Department.objects.filter(is_active=True).order_by("kind", "code"):
        unit = Unit(
            name=department.name,
            code=department.code,
            phone=department.phone,
            staff=by_department.get(department.pk, []),
        )
        for community in communities.get(department.street_id, []):
            members = by_community.get(community.pk, [])
            if members or not query:
                unit.children.append(Unit(name=community.name, code=community.code, staff=members))
        if unit.staff or unit.children or not query:
            groups[department.kind].append(unit)
    labels = dict(Department.Kind.choices)
    order = (Department.Kind.CENTRE, Department.Kind.PROFESSIONAL, Department.Kind.STREET)
    return [(labels[kind], groups[kind]) for kind in order if groups[kind]]
