from django import forms
from django.utils.translation import gettext_lazy as _

from portal.archive.models import Classification


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
