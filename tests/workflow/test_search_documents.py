"""The cases index documents: a rebuild reads each chunk's access grants in a fixed number
of queries, and builds the same document as indexing one case alone."""

import io

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.workflow.models import Case
from portal.workflow.search import CaseDocumentType


def _build_all(cases: int) -> tuple[int, dict]:
    doc_type = CaseDocumentType()
    with CaptureQueriesContext(connection) as ctx:
        docs = {d.object_id: d for d in map(doc_type.build, doc_type.queryset().iterator(500))}
    assert len(docs) == cases
    return len(ctx), docs


def test_rebuild_queries_do_not_grow_with_the_cases(db):
    call_command("load_demo", cases=120, quiet_accounts=True, stdout=io.StringIO())
    queries, docs = _build_all(120)
    # Cases, their group grants, user grants and the modules' supervised grids: one query
    # each per chunk, whatever the number of cases (the old build made three per case).
    assert queries <= 6
    doc_type = CaseDocumentType()
    for case in Case.objects.select_related("category", "street", "module", "department"):
        alone = doc_type.build(case)
        assert alone.acl == docs[str(case.pk)].acl
    assert any(len(d.acl) > 2 for d in docs.values())
