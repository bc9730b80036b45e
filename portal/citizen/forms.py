"""Forms of the citizen pages: the public report, the hotline intake, tracking and rating."""

import math

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal.citizen.models import Moderation
from portal.city.lookup import grid_locate
from portal.city.models import Category
from portal.workflow.models import Satisfaction

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("请输入11位手机号码或带区号的固定电话。"),
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; the content checks happen in the upload pipeline."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


def grouped_categories() -> list:
    """Active categories grouped by major class, for an <optgroup> select."""
    groups: dict[str, list] = {}
    for category in Category.objects.filter(is_active=True).select_related("major"):
        label = f"{category.major.get_kind_display()} · {category.major.name}"
        groups.setdefault(label, []).append((category.pk, category.name))
    return [("", _("请选择问题类别")), *groups.items()]


class LocatedReportForm(forms.Form):
    """What every intake channel asks: what, where, and a description."""

    category = CategoryChoiceField(
        label=_("问题类别"), queryset=Category.objects.filter(is_active=True)
    )
    description = forms.CharField(
        label=_("问题描述"),
        min_length=5,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("请描述问题的位置和情况")}),
    )
    address = forms.CharField(label=_("地址或地标"), max_length=200, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = grouped_categories()

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValidationError(_("请在地图上点选问题位置，或用照片、地址定位。"))
        if grid_locate(lon=lon, lat=lat) is None:
            raise ValidationError(_("该位置不在建邺区范围内，请在地图上重新选择。"))
        return data


class ReportForm(LocatedReportForm):
    """The public report page."""

    photos = MultipleFileField(label=_("照片或视频（最多5张照片或1段视频）"), required=False)
    name = forms.CharField(label=_("姓名（选填）"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("联系电话（选填）"), max_length=20, required=False, validators=[phone_validator]
    )
    email = forms.EmailField(label=_("电子邮箱（选填，用于接收办理进度）"), required=False)


class HotlineForm(LocatedReportForm):
    """The operator's form for a phone report: the caller's number is required."""

    phone = forms.CharField(label=_("来电号码"), max_length=20, validators=[phone_validator])
    name = forms.CharField(label=_("来电人姓名"), max_length=50, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    photos = MultipleFileField(label=_("照片（来电人通过其他渠道提供时）"), required=False)


class TrackForm(forms.Form):
    number = forms.CharField(label=_("查询编号"), max_length=20)
    code = forms.CharField(label=_("查询码"), max_length=20)


class RatingForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("评价意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ModerationForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), choices=Moderation.Action.choices)
    reason = forms.CharField(label=_("理由"), max_length=1000)
    text = forms.CharField(
        label=_("公开文字"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportEraseForm(TrackForm):
    """The reporter's request to erase their personal data from one report."""

    confirm = forms.BooleanField(
        label=_("我确认删除本举报中我的姓名、电话和电子邮箱（删除后将无法接收回访和通知）"),
        error_messages={"required": _("请勾选确认。")},
    )


class PrivacyForm(forms.Form):
    """The privacy officer's request: find, export or erase a reporter's data by phone."""

    ACTIONS = [
        ("search", _("查找")),
        ("export", _("导出（JSON）")),
        ("erase", _("删除个人信息")),
    ]

    phone = forms.CharField(label=_("举报人电话"), max_length=20)
    action = forms.ChoiceField(label=_("操作"), choices=ACTIONS, initial="search")
    reason = forms.CharField(
        label=_("删除依据"),
        required=False,
        max_length=200,
        help_text=_("删除时必填，如个人申请的编号或日期。"),
    )
    confirm = forms.BooleanField(label=_("我已核实申请人身份，确认删除"), required=False)

    def clean_phone(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["phone"] if ch.isdigit())
        if not 7 <= len(digits) <= 20:
            raise ValidationError(_("请输入完整的电话号码。"))
        return digits

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "erase":
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("请填写删除依据（如个人申请编号）。"))
            if not data.get("confirm"):
                self.add_error("confirm", _("请勾选确认。"))
        return data
