"""Helpers of the OA tests: a valid draft and a walk of a document up to a given step."""

import pytest

from portal.accounts.models import User
from portal.city.models import Department
from portal.oa import services as s
from portal.oa.models import DocType, IssuingOrgan, Status
from portal.oa.rules import DraftData

DRAFTER = "jiedao001"
REVIEWER = "hegao01"
SIGNER = "qianfa01"
PRINCIPAL = "zhuyao01"
REGISTRAR = "wenshu01"
COUNTERSIGNERS = {"HWS": "lingdao_hws", "SZC": "lingdao_szc", "YLS": "lingdao_yls"}


@pytest.fixture
def organ():
    # Loaded by a data migration; a transactional test's flush removes it, so recreate it.
    organ, _created = IssuingOrgan.objects.get_or_create(
        code="建城管",
        defaults={"name": "南京市建邺区城市管理局", "mark": "南京市建邺区城市管理局文件"},
    )
    return organ


@pytest.fixture
def draft_data(organ):
    def _data(**overrides) -> DraftData:
        values = {
            "organ": organ,
            "doc_type": DocType.NOTICE,
            "title": "关于开展建邺区市容环境专项整治的通知",
            "body": "为进一步提升市容环境，现决定开展专项整治。",
            "signer": User.objects.get(username=SIGNER),
            "recipients": list(Department.objects.filter(code__in=["JD001", "JD002"])),
            "copies_to": list(Department.objects.filter(code="ZHZX")),
        }
        values.update(overrides)
        return DraftData(**values)

    return _data


@pytest.fixture
def walk(user):
    """Move a document through the flow (no countersign) until it reaches `until`."""
    steps = [
        (Status.DRAFT, lambda d: s.document_submit(document=d, actor=user(DRAFTER))),
        (
            Status.REVIEW,
            lambda d: s.document_review(document=d, actor=user(REVIEWER), approved=True),
        ),
        (Status.SIGN, lambda d: s.document_sign(document=d, actor=d.signer, approved=True)),
        (
            Status.RECHECK,
            lambda d: s.document_recheck(document=d, actor=user(REGISTRAR), passed=True),
        ),
        (Status.REGISTER, lambda d: s.document_register(document=d, actor=user(REGISTRAR))),
    ]

    def _walk(document, until: str):
        order = [status for status, _step in steps]
        for status, step in steps[order.index(document.status) :]:
            if document.status == until:
                break
            assert document.status == status
            document = step(document)
        assert document.status == until
        return document

    return _walk
