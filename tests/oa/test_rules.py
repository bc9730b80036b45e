"""The rules of the 条例 on a draft: 请示, 报告, 签发人 on upward documents, state secrets."""

import pytest
from django.core.exceptions import ValidationError

from portal.city.models import Department
from portal.oa.models import Direction, DocType
from portal.oa.rules import draft_validate
from tests.oa.conftest import PRINCIPAL, SIGNER

pytestmark = pytest.mark.django_db

REQUEST_BODY = "拟于12月在河西中央公园开展市容宣传活动，需经费5万元。妥否，请批示。"


def _errors(data) -> dict:
    with pytest.raises(ValidationError) as exc:
        draft_validate(data)
    return exc.value.message_dict


def _one_superior():
    return list(Department.objects.filter(code="ZHZX"))


def test_valid_request_passes(draft_data, user):
    draft_validate(
        draft_data(
            doc_type=DocType.REQUEST,
            direction=Direction.UP,
            body=REQUEST_BODY,
            recipients=_one_superior(),
            signer=user(PRINCIPAL),
            note="联系人：王伟，电话：025-86556080",
        )
    )


def test_request_has_exactly_one_principal_recipient(draft_data, user):
    data = draft_data(
        doc_type=DocType.REQUEST,
        direction=Direction.UP,
        body=REQUEST_BODY,
        signer=user(PRINCIPAL),
        note="联系人：王伟",
        recipients=list(Department.objects.filter(code__in=["ZHZX", "HWS"])),
    )
    assert "一个主送机关" in _errors(data)["recipients"][0]
    data.recipients = []
    assert "recipients" in _errors(data)


def test_request_is_one_matter(draft_data, user):
    data = draft_data(
        doc_type=DocType.REQUEST,
        direction=Direction.UP,
        body=REQUEST_BODY + "另拟购置清扫车两台，请批准。",
        recipients=_one_superior(),
        signer=user(PRINCIPAL),
        note="联系人：王伟",
    )
    assert "一文一事" in _errors(data)["body"][0]


def test_request_needs_contact_in_note(draft_data, user):
    data = draft_data(
        doc_type=DocType.REQUEST,
        direction=Direction.UP,
        body=REQUEST_BODY,
        recipients=_one_superior(),
        signer=user(PRINCIPAL),
    )
    assert "联系人" in _errors(data)["note"][0]


@pytest.mark.parametrize("phrase", ["请批示", "请批准", "妥否"])
def test_report_carries_no_request(draft_data, user, phrase):
    data = draft_data(
        doc_type=DocType.REPORT,
        direction=Direction.UP,
        body=f"现将本季度市容整治情况报告如下。{phrase}",
        signer=user(PRINCIPAL),
    )
    assert "报告不得夹带请示事项" in _errors(data)["body"][0]
    data.body = "现将本季度市容整治情况报告如下。特此报告。"
    draft_validate(data)


def test_upward_document_needs_signer_and_principal(draft_data, user):
    data = draft_data(doc_type=DocType.REPORT, direction=Direction.UP, signer=None)
    assert "上行文必须注明签发人" in _errors(data)["signer"][0]
    data.signer = user(SIGNER)  # a responsible leader, not the principal one
    assert "主要领导" in _errors(data)["signer"][0]
    data.signer = user(PRINCIPAL)
    draft_validate(data)


def test_important_document_goes_to_principal(draft_data, user):
    assert "signer" in _errors(draft_data(important=True))
    draft_validate(draft_data(important=True, signer=user(PRINCIPAL)))


def test_upward_types_must_go_up_and_downward_types_down(draft_data, user):
    assert "direction" in _errors(draft_data(doc_type=DocType.REPORT, direction=Direction.DOWN))
    data = draft_data(doc_type=DocType.REPLY, direction=Direction.UP, signer=user(PRINCIPAL))
    assert "direction" in _errors(data)


def test_signer_must_hold_the_signing_permission(draft_data, user):
    assert "签发权限" in _errors(draft_data(signer=user("hegao01")))["signer"][0]


@pytest.mark.parametrize("level", ["secret", "confidential", "top_secret"])
def test_state_secrets_are_refused(draft_data, level):
    assert "不是涉密信息系统" in _errors(draft_data(classification=level))["classification"][0]


def test_fifteen_document_types():
    assert len(DocType.choices) == 15
