"""Staff login form and the second-factor code form."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class StaffLoginForm(LoginForm):
    """Wagtail's login form with the password field labelled (it ships without a label,
    which the admin then shows as the untranslated field name)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("密码")


class OtpTokenForm(forms.Form):
    """The 6-digit code of the authenticator app."""

    token = forms.CharField(
        label=_("动态口令"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={
            "required": _("请输入动态口令。"),
            "min_length": _("动态口令为 6 位数字。"),
            "max_length": _("动态口令为 6 位数字。"),
        },
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("动态口令为 6 位数字。"))
        return token
