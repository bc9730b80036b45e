"""Cases in the search index, with the access tokens that mirror case_visible."""

from django.db.models import QuerySet

from portal.workflow.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from portal.workflow.pii import redact_phones
from search.documents import Doc, DocumentType, group_token, perm_token, user_token

INDEX = "cases"


class CaseDocumentType(DocumentType):
    index = INDEX
    facets = ("status", "category", "street", "department")

    def queryset(self) -> QuerySet:
        return Case.objects.select_related(
            "category", "street", "module__supervisor", "department"
        ).order_by("pk")

    def build(self, case: Case) -> Doc:
        acl = {perm_token("workflow.view_case")}
        acl |= {
            group_token(g)
            for g in CaseGroupObjectPermission.objects.filter(
                content_object=case, permission__codename="view_case"
            ).values_list("group_id", flat=True)
        }
        acl |= {
            user_token(u)
            for u in CaseUserObjectPermission.objects.filter(content_object=case).values_list(
                "user_id", flat=True
            )
        }
        acl |= {
            user_token(u)
            for u in case.module.grids.exclude(supervisor=None).values_list(
                "supervisor_id", flat=True
            )
        }
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
