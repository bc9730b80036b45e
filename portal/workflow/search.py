"""Cases in the search index, with the access tokens that mirror case_visible."""

from django.db.models import Prefetch, QuerySet

from portal.city.models import Grid
from portal.workflow.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from portal.workflow.pii import redact_phones
from search.documents import Doc, DocumentType, group_token, perm_token, user_token

INDEX = "cases"


class CaseDocumentType(DocumentType):
    index = INDEX
    facets = ("status", "category", "street", "department")

    def queryset(self) -> QuerySet:
        # The access grants come prefetched: a rebuild reads them in three queries per chunk
        # instead of three per case (bench B6 measured the per-case queries as most of it).
        return (
            Case.objects.select_related("category", "street", "module__supervisor", "department")
            .prefetch_related(
                Prefetch(
                    "casegroupobjectpermission_set",
                    queryset=CaseGroupObjectPermission.objects.filter(
                        permission__codename="view_case"
                    ).only("content_object_id", "group_id"),
                    to_attr="view_group_grants",
                ),
                Prefetch(
                    "caseuserobjectpermission_set",
                    queryset=CaseUserObjectPermission.objects.only("content_object_id", "user_id"),
                    to_attr="user_grants",
                ),
                Prefetch(
                    "module__grids",
                    queryset=Grid.objects.exclude(supervisor=None).only(
                        "module_id", "supervisor_id"
                    ),
                    to_attr="supervised_grids",
                ),
            )
            .order_by("pk")
        )

    def build(self, case: Case) -> Doc:
        # A case loaded without the prefetches (one outbox entry) reads its grants here.
        groups = getattr(case, "view_group_grants", None)
        if groups is None:
            groups = CaseGroupObjectPermission.objects.filter(
                content_object=case, permission__codename="view_case"
            )
        users = getattr(case, "user_grants", None)
        if users is None:
            users = CaseUserObjectPermission.objects.filter(content_object=case)
        grids = getattr(case.module, "supervised_grids", None)
        if grids is None:
            grids = case.module.grids.exclude(supervisor=None)
        acl = {perm_token("workflow.view_case")}
        acl |= {group_token(g.group_id) for g in groups}
        acl |= {user_token(u.user_id) for u in users}
        acl |= {user_token(g.supervisor_id) for g in grids}
        if case.module.supervisor_id:
            acl.add(user_token(case.module.supervisor_id))
        if case.reporter_id:
            acl.add(user_token(case.reporter_id))
        # No personal data in the index: the reporter fields are never indexed, and a phone
        # number typed into the free text is masked.
        body = " ".join(
            redact_phones(part)
            for part in (
                case.description,
                case.address,
                case.result,
                case.street.name,
                case.module.name,
                case.department.name if case.department else "",
            )
            if part
        )
        return Doc(
            index=INDEX,
            object_id=str(case.pk),
            title=f"{case.number} {case.category.name}",
            body=body,
            url=f"/cases/{case.number}/",
            acl=sorted(acl),
            fields={
                "status": case.status,
                "category": case.category_id,
                "street": case.street_id,
                "department": case.department_id,
                "number": case.number,
            },
            sort_at=case.reported_at,
        )
