"""Forms of the staff case pages: one per action, each carrying the case version it saw."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.city.models import Category, Department, Street, Urgency
from portal.workflow.attachments import image_validate
from portal.workflow.models import OPEN_STATUSES, Case, Status

YES_NO = [("1", _("是")), ("0", _("否"))]


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(ActionForm):
    comment = None
    reason = forms.CharField(
        label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(ActionForm):
    verified = forms.TypedChoiceField(
        label=_("核实结果：问题属实"), choices=YES_NO, coerce=lambda v: v == "1"
    )


class MergeForm(ActionForm):
    into = forms.CharField(label=_("合并到案件编号"), max_length=20)

    def clean_into(self) -> Case:
        case = Case.objects.filter(number=self.cleaned_data["into"].strip()).first()
        if case is None or case.status not in OPEN_STATUSES:
            raise ValidationError(_("找不到该编号的未结案案件。"))
        return case


class DispatchForm(ActionForm):
    department = forms.ModelChoiceField(
        label=_("处置部门"),
        queryset=Department.objects.filter(is_active=True).exclude(kind=Department.Kind.CENTRE),
    )


class PhotoMixin(forms.Form):
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            image_validate(photo)
        return photo


class HandleForm(PhotoMixin, ActionForm):
    comment = None
    result = forms.CharField(
        label=_("处置结果"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CheckForm(PhotoMixin, ActionForm):
    passed = forms.TypedChoiceField(
        label=_("核查结果：已按结案标准处置"), choices=YES_NO, coerce=lambda v: v == "1"
    )


class ExtensionForm(ReasonForm):
    extra_hours = forms.DecimalField(
        label=_("延长工作时"), min_value=Decimal("0.5"), max_value=Decimal("400"), decimal_places=1
    )


class DecideForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("审批"), choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )


class ReportForm(PhotoMixin, forms.Form):
    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.filter(
            is_active=True, major__scheme__is_current=True
        ).select_related("major"),
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    description = forms.CharField(
        label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lon = forms.FloatField(label=_("经度"), min_value=73, max_value=136)
    lat = forms.FloatField(label=_("纬度"), min_value=3, max_value=54)
    self_handled = forms.BooleanField(label=_("已现场自行处置"), required=False)
    result = forms.CharField(label=_("自行处置结果"), max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("self_handled") and not (data.get("result") or "").strip():
            self.add_error("result", _("自行处置时请填写处置结果。"))
        return data


class FilterForm(forms.Form):
    q = forms.CharField(label=_("编号或描述"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    light = forms.ChoiceField(
        label=_("亮灯"),
        required=False,
        choices=[("", _("全部")), ("green", _("正常")), ("yellow", _("临期")), ("red", _("超期"))],
    )
    category = forms.ModelChoiceField(
        label=_("小类"), required=False, queryset=Category.objects.select_related("major")
    )
    street = forms.ModelChoiceField(label=_("街道"), required=False, queryset=Street.objects.all())
    department = forms.ModelChoiceField(
        label=_("处置部门"), required=False, queryset=Department.objects.all()
    )
    date_from = forms.DateField(
        label=_("上报日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部")), ("open", _("未结案")), *Status.choices]


class EvaluationForm(forms.Form):
    KINDS = [
        ("department", _("专业部门")),
        ("street", _("街道")),
        ("module", _("管理模块")),
        ("grid", _("单元网格")),
        ("supervisor", _("监督员")),
        ("clerk", _("受理员")),
        ("shift_leader", _("值班长")),
        ("dispatcher", _("派遣员")),
    ]
    kind = forms.ChoiceField(label=_("评价对象"), choices=KINDS, initial="department")
    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("结束日期不能早于开始日期。"))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 3660:
            raise ValidationError(_("统计区间不能超过十年。"))
        return data
