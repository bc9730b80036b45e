"""Staff login form."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class StaffLoginForm(LoginForm):
    """Wagtail's login form with the password field labelled (it ships without a label,
    which the admin then shows as the untranslated field name)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("密码")
