from django import forms
from django.utils.translation import gettext_lazy as _

from portal.archive.models import Appraisal, BorrowRequest, Classification, Retention


class DownloadForm(forms.Form):
    reason = forms.CharField(label=_("利用目的"), max_length=200)


class CorrectForm(forms.Form):
    title = forms.CharField(label=_("题名"), max_length=300)
    responsible = forms.CharField(label=_("责任者"), max_length=200)
    document_date = forms.DateField(label=_("日期"))
    keywords = forms.CharField(label=_("关键词"), max_length=300, required=False)
    summary = forms.CharField(label=_("摘要"), widget=forms.Textarea, required=False)
    classification = forms.ChoiceField(
        label=_("密级"), choices=Classification.choices, required=False
    )
    reason = forms.CharField(label=_("更正原因"), widget=forms.Textarea)


class BorrowForm(forms.Form):
    reference_code = forms.CharField(label=_("档号"), max_length=60)
    purpose = forms.CharField(label=_("利用目的"), max_length=200)
    kind = forms.ChoiceField(label=_("利用方式"), choices=BorrowRequest.Kind.choices)
    days = forms.IntegerField(label=_("借阅天数"), min_value=1, max_value=30, initial=7)


class AppraisalForm(forms.Form):
    decision = forms.ChoiceField(label=_("鉴定结论"), choices=Appraisal.Decision.choices)
    new_retention = forms.ChoiceField(
        label=_("新保管期限"), choices=[("", "—"), *Retention.choices], required=False
    )
    reason = forms.CharField(label=_("鉴定意见"), widget=forms.Textarea)


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("保留原因"), max_length=200)


class CatalogueForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1900, max_value=2999)
    retention = forms.ChoiceField(
        label=_("保管期限"), choices=[("", _("全部")), *Retention.choices], required=False
    )
    organisation = forms.CharField(label=_("机构代码"), max_length=20, required=False)
    format = forms.ChoiceField(label=_("格式"), choices=[("xlsx", "XLSX"), ("pdf", "PDF")])
