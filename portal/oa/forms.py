"""Forms of the OA pages: they validate input; the services apply it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.city.models import Department
from portal.oa.incoming import IncomingData
from portal.oa.models import (
    Classification,
    Direction,
    DocType,
    IncomingStatus,
    IssuingOrgan,
    Urgency,
)
from portal.oa.rules import MAX_COUNTERSIGN, DraftData


def _departments():
    return Department.objects.filter(is_active=True).order_by("kind", "code")


def _signers():
    return (
        User.objects.filter(is_active=True)
        .filter(groups__permissions__codename="sign_document")
        .distinct()
        .order_by("username")
    )


class DraftForm(forms.Form):
    organ = forms.ModelChoiceField(IssuingOrgan.objects.all(), label=_("发文机关"))
    doc_type = forms.ChoiceField(choices=DocType.choices, label=_("文种"))
    direction = forms.ChoiceField(choices=Direction.choices, label=_("行文方向"))
    important = forms.BooleanField(required=False, label=_("重要公文（由主要领导签发）"))
    title = forms.CharField(max_length=200, label=_("标题"))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label=_("正文"))
    classification = forms.ChoiceField(choices=Classification.choices, label=_("密级"))
    secrecy_period = forms.CharField(max_length=20, required=False, label=_("保密期限"))
    urgency = forms.ChoiceField(choices=Urgency.choices, required=False, label=_("紧急程度"))
    signer = forms.ModelChoiceField(_signers(), required=False, label=_("签发人"))
    recipients = forms.ModelMultipleChoiceField(_departments(), required=False, label=_("主送机关"))
    copies_to = forms.ModelMultipleChoiceField(_departments(), required=False, label=_("抄送机关"))
    note = forms.CharField(max_length=200, required=False, label=_("附注"))
    readers = forms.ModelMultipleChoiceField(
        User.objects.filter(is_active=True, is_staff=True).order_by("username"),
        required=False,
        label=_("知悉范围（内部公文）"),
    )
    countersign_sequential = forms.BooleanField(required=False, label=_("依次会签（否则同时会签）"))
    reason = forms.CharField(max_length=200, required=False, label=_("修改理由"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signer"].queryset = _signers()
        for n in range(1, MAX_COUNTERSIGN + 1):
            self.fields[f"countersign_{n}"] = forms.ModelChoiceField(
                _departments(), required=False, label=_("会签部门 %(n)d") % {"n": n}
            )

    def draft_data(self) -> DraftData:
        d = self.cleaned_data
        return DraftData(
            organ=d["organ"],
            doc_type=d["doc_type"],
            title=d["title"],
            body=d["body"],
            direction=d["direction"],
            important=d["important"],
            classification=d["classification"],
            secrecy_period=d["secrecy_period"],
            urgency=d["urgency"] or "",
            signer=d["signer"],
            recipients=list(d["recipients"]),
            copies_to=list(d["copies_to"]),
            note=d["note"],
            readers=list(d["readers"]),
            countersign=[
                d[f"countersign_{n}"]
                for n in range(1, MAX_COUNTERSIGN + 1)
                if d.get(f"countersign_{n}")
            ],
            countersign_sequential=d["countersign_sequential"],
        )


class DecisionForm(forms.Form):
    """审核, 会签, 签发, 复核: yes or send back, with a comment."""

    approved = forms.TypedChoiceField(
        choices=[("1", _("同意")), ("0", _("退回"))], coerce=lambda v: v == "1", label=_("意见")
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("意见说明")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CommentForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("备注")
    )
    copies = forms.IntegerField(min_value=1, max_value=100000, required=False, label=_("印数"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviseForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label=_("正文"))
    reason = forms.CharField(max_length=200, label=_("修改理由"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"))
    name = forms.CharField(max_length=120, required=False, label=_("附件名称"))
    secret = forms.BooleanField(required=False, label=_("该文件涉及国家秘密"))


# --- 收文 -----------------------------------------------------------------------------------


def _staff():
    return User.objects.filter(is_active=True, is_staff=True).order_by("username")


def _leaders():
    return (
        User.objects.filter(is_active=True)
        .filter(groups__permissions__codename="instruct_incoming")
        .distinct()
        .order_by("username")
    )


class ReceiveForm(forms.Form):
    """签收: what the registrar reads off the 来文."""

    sender = forms.CharField(max_length=100, label=_("来文单位"))
    sender_number = forms.CharField(max_length=50, required=False, label=_("来文字号"))
    title = forms.CharField(max_length=200, label=_("标题"))
    doc_type = forms.ChoiceField(
        choices=[("", "—"), *DocType.choices], required=False, label=_("文种")
    )
    classification = forms.ChoiceField(choices=Classification.choices, label=_("密级"))
    urgency = forms.ChoiceField(choices=Urgency.choices, required=False, label=_("紧急程度"))
    received_at = forms.DateTimeField(
        required=False,
        label=_("收文日期"),
        help_text=_("留空为现在"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    pages = forms.IntegerField(min_value=1, max_value=10000, required=False, label=_("页数"))
    copies = forms.IntegerField(min_value=1, max_value=10000, required=False, label=_("份数"))
    readers = forms.ModelMultipleChoiceField(
        _staff(), required=False, label=_("知悉范围（内部收文）")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["readers"].queryset = _staff()

    def incoming_data(self) -> IncomingData:
        d = self.cleaned_data
        return IncomingData(
            sender=d["sender"],
            sender_number=d["sender_number"],
            title=d["title"],
            doc_type=d["doc_type"],
            classification=d["classification"],
            urgency=d["urgency"] or "",
            received_at=d["received_at"],
            pages=d["pages"],
            copies=d["copies"],
            readers=list(d["readers"]),
        )


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class IncomingRegisterForm(_Versioned):
    limit_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        label=_("办理时限（工作日）"),
        help_text=_("留空按紧急程度：特急 2 日，加急 5 日，普通 10 日"),
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("备注")
    )


class ScreenForm(_Versioned):
    accepted = forms.TypedChoiceField(
        choices=[("1", _("属本机关办理")), ("0", _("退文"))],
        coerce=lambda v: v == "1",
        label=_("初审意见"),
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("说明（退文须写明理由）")
    )


class ProposeForm(_Versioned):
    leader = forms.ModelChoiceField(_leaders(), label=_("批办领导"))
    lead_department = forms.ModelChoiceField(_departments(), label=_("拟主办单位"))
    co_departments = forms.ModelMultipleChoiceField(
        _departments(), required=False, label=_("拟协办单位")
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("拟办意见"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = _leaders()


class InstructForm(_Versioned):
    instruction = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("批示"))
    lead_department = forms.ModelChoiceField(_departments(), label=_("主办单位"))
    co_departments = forms.ModelMultipleChoiceField(
        _departments(), required=False, label=_("协办单位")
    )
    circulate = forms.ModelMultipleChoiceField(_staff(), required=False, label=_("传阅"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["circulate"].queryset = _staff()


class OpinionForm(_Versioned):
    """协办意见, 办理结果, 圈阅, 催办, 办结: one text."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("意见")
    )


class IncomingFilterForm(forms.Form):
    """The register's filters (GET)."""

    q = forms.CharField(max_length=100, required=False, label=_("关键词"))
    status = forms.ChoiceField(
        choices=[("", _("全部环节")), *IncomingStatus.choices], required=False, label=_("环节")
    )
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False, label=_("年度"))
    urgency = forms.ChoiceField(
        choices=[
            ("", _("全部")),
            ("normal", Urgency.NORMAL.label),
            (Urgency.URGENT, Urgency.URGENT.label),
            (Urgency.EXTRA_URGENT, Urgency.EXTRA_URGENT.label),
        ],
        required=False,
        label=_("紧急程度"),
    )
    overdue = forms.BooleanField(required=False, label=_("仅超期"))

    def urgency_value(self) -> str | None:
        """The urgency to filter on (普通 is ""), or None for all."""
        value = self.cleaned_data["urgency"]
        return None if not value else ("" if value == "normal" else value)
