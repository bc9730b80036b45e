"""Forms of the approval pages. The request form is built from its type's definition: one
Django field per configured field, validated on the server with Chinese messages."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.approvals.models import ApprovalField, ApprovalType, FieldType
from portal.city.calendar import SHANGHAI
from portal.city.models import Department

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _field(definition: ApprovalField) -> forms.Field:
    common = {
        "label": definition.label,
        "required": definition.required,
        "help_text": definition.help_text,
        "error_messages": {
            "required": _("请填写“%(label)s”。") % {"label": definition.label},
            "invalid": _("“%(label)s”的格式不正确。") % {"label": definition.label},
        },
    }
    kind = definition.field_type
    if kind == FieldType.TEXTAREA:
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == FieldType.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind == FieldType.DATETIME:
        return forms.DateTimeField(
            input_formats=DATETIME_FORMATS,
            widget=forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_FORMATS[0]
            ),
            **common,
        )
    if kind == FieldType.NUMBER:
        field = forms.DecimalField(
            max_digits=12,
            decimal_places=0 if definition.whole_number else 2,
            min_value=definition.min_value,
            max_value=definition.max_value,
            **common,
        )
        field.error_messages["max_decimal_places"] = (
            _("“%(label)s”只能填整数。") % {"label": definition.label}
            if definition.whole_number
            else _("“%(label)s”最多保留两位小数。") % {"label": definition.label}
        )
        return field
    if kind == FieldType.CHOICE:
        common["error_messages"]["invalid_choice"] = _("请从列表中选择“%(label)s”。") % {
            "label": definition.label
        }
        choices = [("", _("请选择"))] + [(c, c) for c in definition.choice_list]
        return forms.ChoiceField(choices=choices, **common)
    if kind == FieldType.DEPARTMENT:
        common["error_messages"]["invalid_choice"] = _("请从列表中选择“%(label)s”。") % {
            "label": definition.label
        }
        return forms.ModelChoiceField(
            queryset=Department.objects.filter(is_active=True),
            empty_label=_("请选择"),
            **common,
        )
    return forms.CharField(max_length=200, **common)


class RequestForm(forms.Form):
    """Base of every generated request form: the fields come from the type."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    approval_type: ApprovalType
    definitions: list[ApprovalField]

    def answers(self) -> dict:
        """The cleaned answers keyed by field key (the version field left out)."""
        return {d.key: self.cleaned_data.get(d.key) for d in self.definitions}


def request_form_class(approval_type: ApprovalType) -> type[RequestForm]:
    """A form class for `approval_type`, one field per configured field, in order."""
    definitions = list(approval_type.form_fields())
    attrs = {d.key: _field(d) for d in definitions}
    attrs["approval_type"] = approval_type
    attrs["definitions"] = definitions
    return type(f"{approval_type.code.title().replace('-', '')}Form", (RequestForm,), attrs)


def initial_from_data(approval_type: ApprovalType, data: dict) -> dict:
    """Form initial values from a request's stored answers (for editing after 退回)."""
    initial = {}
    for d in approval_type.form_fields():
        value = data.get(d.key)
        if value in (None, ""):
            continue
        if d.field_type == FieldType.DATE:
            value = dt.date.fromisoformat(value)
        elif d.field_type == FieldType.DATETIME:
            value = dt.datetime.fromisoformat(value).astimezone(SHANGHAI).replace(tzinfo=None)
        elif d.field_type == FieldType.NUMBER:
            value = Decimal(value)
        elif d.field_type == FieldType.DEPARTMENT:
            value = value.get("id") if isinstance(value, dict) else value
        initial[d.key] = value
    return initial


class VersionForm(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": gettext_lazy("页面已过期，请刷新后重试。")},
    )


class ApproveForm(VersionForm):
    comment = forms.CharField(
        label=gettext_lazy("审批意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentRequiredForm(VersionForm):
    """Reject and send back: the applicant must be told why."""

    comment = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("请填写驳回或退回的理由。")},
    )


class WithdrawForm(VersionForm):
    comment = forms.CharField(label=gettext_lazy("撤回说明"), required=False, max_length=1000)


class SealUseForm(VersionForm):
    copies = forms.IntegerField(
        label=gettext_lazy("实际用印份数"),
        min_value=1,
        error_messages={
            "required": gettext_lazy("请填写实际用印份数。"),
            "min_value": gettext_lazy("用印份数至少为 1。"),
            "invalid": gettext_lazy("用印份数须为整数。"),
        },
    )
    note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=200)


class SealLogFilterForm(forms.Form):
    seal = forms.CharField(label=gettext_lazy("印章"), required=False, max_length=100)
    month = forms.CharField(
        label=gettext_lazy("月份"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
    )

    def clean_month(self) -> tuple[int, int] | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            dt.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 2026-11。")) from None
        return year, month
