"""Forms of the notice pages: they validate input; the services apply it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.city.models import Community, Department, Street
from portal.notices.services import NoticeData


class NoticeForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("标题"))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), label=_("正文"))
    street_offices = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("街道办事处"),
    )
    whole_streets = forms.ModelMultipleChoiceField(
        queryset=Street.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("街道所属全部社区"),
    )
    communities = forms.ModelMultipleChoiceField(
        queryset=Community.objects.none(),
        required=False,
        label=_("指定社区"),
        help_text=_("按住 Ctrl 可多选。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street_offices"].queryset = Department.objects.filter(
            kind=Department.Kind.STREET, is_active=True
        ).order_by("code")
        self.fields["whole_streets"].queryset = Street.objects.order_by("code")
        self.fields["communities"].queryset = Community.objects.select_related("street").order_by(
            "street__code", "code"
        )

    def notice_data(self) -> NoticeData:
        d = self.cleaned_data
        return NoticeData(
            title=d["title"],
            body=d["body"],
            street_offices=list(d["street_offices"]),
            whole_streets=list(d["whole_streets"]),
            communities=list(d["communities"]),
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    approved = forms.TypedChoiceField(
        choices=[("1", _("同意发布")), ("0", _("退回修改"))],
        coerce=lambda v: v == "1",
        label=_("审核意见"),
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("意见说明")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
