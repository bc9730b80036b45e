"""Forms of the OA pages: they validate input; the services apply it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.city.models import Department
from portal.oa.models import Classification, Direction, DocType, IssuingOrgan, Urgency
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
