"""Forms of the 督办 pages: they validate input; the services apply it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.city.models import Department
from portal.supervision.models import SourceKind
from portal.supervision.services import MAX_WORKING_DAYS, IssueData


def _departments():
    return Department.objects.filter(is_active=True).order_by("kind", "code")


class IssueForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("督办事项"))
    source_kind = forms.ChoiceField(choices=SourceKind.choices, label=_("来源"))
    source_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("来源说明（批示内容、会议名称等）"),
    )
    case_number = forms.CharField(max_length=20, required=False, label=_("关联案件编号"))
    document = forms.ModelChoiceField(queryset=None, required=False, label=_("关联公文"))
    requirements = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("办理要求"))
    lead_unit = forms.ModelChoiceField(queryset=_departments(), label=_("牵头单位"))
    co_units = forms.ModelMultipleChoiceField(
        queryset=_departments(), required=False, label=_("协办单位")
    )
    working_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_WORKING_DAYS,
        label=_("办理时限（工作日）"),
        error_messages={
            "min_value": _("办理时限至少 1 个工作日。"),
            "max_value": _("办理时限不能超过 %(limit_value)s 个工作日。"),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.oa.selectors import document_list

        self.fields["document"].queryset = document_list(user=user)
        self.fields["lead_unit"].queryset = _departments()
        self.fields["co_units"].queryset = _departments()

    def clean_case_number(self):
        from portal.workflow.models import Case

        number = self.cleaned_data["case_number"].strip()
        if not number:
            return None
        case = Case.objects.filter(number=number).first()
        if case is None:
            raise forms.ValidationError(_("没有编号为 %(n)s 的案件。") % {"n": number})
        return case

    def issue_data(self) -> IssueData:
        d = self.cleaned_data
        return IssueData(
            title=d["title"],
            source_kind=d["source_kind"],
            source_text=d["source_text"],
            case=d["case_number"],
            document=d["document"],
            requirements=d["requirements"],
            lead_unit=d["lead_unit"],
            co_units=list(d["co_units"]),
            working_days=d["working_days"],
        )


class CommentForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("备注")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    approved = forms.TypedChoiceField(
        choices=[("1", _("同意")), ("0", _("不同意／退回"))],
        coerce=lambda v: v == "1",
        label=_("意见"),
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("意见说明")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgressForm(forms.Form):
    report_date = forms.DateField(
        label=_("进展日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    percent = forms.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        label=_("完成比例（%）"),
        error_messages={
            "min_value": _("完成比例须在 0 到 100 之间。"),
            "max_value": _("完成比例须在 0 到 100 之间。"),
        },
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("进展情况"))
    file = forms.FileField(required=False, label=_("附件（可选）"))


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(
        label=_("申请延至"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("延期理由"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CompletionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("办结情况"))
    file = forms.FileField(required=False, label=_("佐证材料（可选）"))
    version = forms.IntegerField(widget=forms.HiddenInput)
