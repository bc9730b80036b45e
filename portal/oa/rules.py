"""The rules of 党政机关公文处理工作条例 for a draft, checked before it moves on.

请示: one matter (一文一事) and exactly one principal recipient, upward, with the contact
in 附注. 报告: upward and carrying no request (报告不得夹带请示事项). Every upward document
names its 签发人, and upward or important documents go to the principal leader. State
secrets (秘密/机密/绝密) are refused: this system is not accredited for 涉密 work.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.city.models import Department
from portal.oa.models import STATE_SECRET, Classification, Direction, DocType, IssuingOrgan

# Wording that asks a superior to decide: it belongs in a 请示, never in a 报告.
REQUEST_PHRASES = (
    "请批示",
    "请批准",
    "请审批",
    "请予批准",
    "请予审批",
    "请核准",
    "请审定",
    "请予批复",
    "妥否",
)
UPWARD_TYPES = {DocType.REQUEST, DocType.REPORT, DocType.MOTION}
DOWNWARD_TYPES = {
    DocType.RESOLUTION,
    DocType.DECISION,
    DocType.ORDER,
    DocType.REPLY,
    DocType.BULLETIN,
}
MAX_COUNTERSIGN = 5


@dataclass
class DraftData:
    """What the drafter decides: the elements of the document and its routing."""

    organ: IssuingOrgan
    doc_type: str
    title: str
    body: str
    direction: str = Direction.DOWN
    important: bool = False
    classification: str = Classification.NONE
    secrecy_period: str = ""
    urgency: str = ""
    signer: User | None = None
    recipients: list[Department] = field(default_factory=list)
    copies_to: list[Department] = field(default_factory=list)
    note: str = ""
    readers: list[User] = field(default_factory=list)
    countersign: list[Department] = field(default_factory=list)
    countersign_sequential: bool = False


def state_secret_message() -> str:
    return _(
        "本系统不是涉密信息系统：标为秘密、机密或绝密的公文及其附件不能在本系统中起草、"
        "上传或办理，请按保密规定通过涉密渠道处理。"
    )


def request_phrases_in(text: str) -> list[str]:
    return [phrase for phrase in REQUEST_PHRASES if phrase in text]


def request_sentences(text: str) -> int:
    """How many sentences ask for a decision (妥否，请批示。 is one)."""
    return sum(1 for sentence in re.split(r"[。！？!?\n]", text) if request_phrases_in(sentence))


def draft_validate(data: DraftData) -> None:
    """Raise a ValidationError, by field, for every rule the draft breaks."""
    errors: dict[str, list[str]] = defaultdict(list)
    if data.classification in STATE_SECRET:
        errors["classification"].append(state_secret_message())
    if not data.title.strip():
        errors["title"].append(_("请填写标题。"))
    if not data.body.strip():
        errors["body"].append(_("请填写正文。"))
    if data.secrecy_period and data.classification == Classification.NONE:
        errors["secrecy_period"].append(_("非密公文不标注保密期限。"))
    if data.doc_type in UPWARD_TYPES and data.direction != Direction.UP:
        errors["direction"].append(_("“%(t)s”是上行文。") % {"t": DocType(data.doc_type).label})
    if data.doc_type in DOWNWARD_TYPES and data.direction == Direction.UP:
        errors["direction"].append(
            _("“%(t)s”不能作为上行文。") % {"t": DocType(data.doc_type).label}
        )
    text = data.title + "\n" + data.body
    if data.doc_type == DocType.REQUEST:
        if len(data.recipients) != 1:
            errors["recipients"].append(_("请示只能主送一个机关（一个主送机关）。"))
        if request_sentences(data.body) > 1:
            errors["body"].append(_("请示应当一文一事：正文只能提出一个请示事项。"))
        if not data.note.strip():
            errors["note"].append(_("请示须在附注中注明联系人及电话。"))
    if data.doc_type == DocType.REPORT and request_phrases_in(text):
        errors["body"].append(
            _("报告不得夹带请示事项（发现“%(p)s”）；需要上级批准的事项请另行请示。")
            % {"p": "、".join(request_phrases_in(text))}
        )
    upward_or_important = data.direction == Direction.UP or data.important
    if data.signer is None:
        if data.direction == Direction.UP:
            errors["signer"].append(_("上行文必须注明签发人。"))
        else:
            errors["signer"].append(_("请选择签发领导。"))
    elif upward_or_important and not data.signer.has_perm("oa.sign_principal"):
        errors["signer"].append(_("上行文和重要公文须由主要领导签发。"))
    elif not data.signer.has_perm("oa.sign_document"):
        errors["signer"].append(_("所选人员没有签发权限。"))
    if len(data.countersign) > MAX_COUNTERSIGN:
        errors["countersign"].append(_("会签部门最多 %(n)d 个。") % {"n": MAX_COUNTERSIGN})
    if len({d.pk for d in data.countersign}) != len(data.countersign):
        errors["countersign"].append(_("会签部门不能重复。"))
    if errors:
        raise ValidationError(dict(errors))
