"""Password rules of MLPS level 3 beyond Django's: complexity, no username inside, no
reuse of the last passwords, and the 90-day expiry of staff passwords."""

import datetime as dt
import string

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
    ("symbol", lambda c: c in string.punctuation or (not c.isalnum() and not c.isspace())),
)


class LengthValidator(MinimumLengthValidator):
    """Django's minimum length (12 for staff), with its message in Chinese: Django's own
    zh_Hans catalogue still carries the older wording of this message."""

    def __init__(self, min_length: int = 12) -> None:
        super().__init__(min_length)

    def get_error_message(self) -> str:
        return _("密码太短：至少 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("至少 %(min_length)d 个字符。") % {"min_length": self.min_length}


class ComplexityValidator:
    """At least `required` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, required: int = 3) -> None:
        self.required = required

    def validate(self, password: str, user=None) -> None:
        held = sum(1 for _name, test in CLASSES if any(test(c) for c in password))
        if held < self.required:
            raise ValidationError(
                _("密码须至少包含小写字母、大写字母、数字、符号中的 %(n)d 类。"),
                code="password_too_simple",
                params={"n": self.required},
            )

    def get_help_text(self) -> str:
        return _("至少包含小写字母、大写字母、数字、符号中的 %(n)d 类。") % {"n": self.required}


class UsernameValidator:
    """The password may not contain the username (forwards or backwards, any case)."""

    def validate(self, password: str, user=None) -> None:
        username = (user.get_username() if user is not None else "").lower()
        lowered = password.lower()
        if len(username) >= 3 and (username in lowered or username[::-1] in lowered):
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("不能包含用户名。")


class HistoryValidator:
    """Refuse the current password and the last `keep` ones (PasswordHistory)."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def validate(self, password: str, user=None) -> None:
        if user is None or not user.pk:
            return
        from portal.accounts.models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-created_at", "-id")
            .values_list("password", flat=True)[: self.keep]
        )
        # The stored hash, not the instance's: a form may have set the new one already.
        current = get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True)
        hashes += list(current)
        if any(check_password(password, h) for h in hashes if h):
            raise ValidationError(
                _("不能使用最近 %(n)d 次用过的密码。"),
                code="password_reused",
                params={"n": self.keep},
            )

    def get_help_text(self) -> str:
        return _("不能与最近 %(n)d 次用过的密码相同。") % {"n": self.keep}


def password_expires_at(user) -> dt.datetime | None:
    if not user.password_changed_at:
        return None
    return user.password_changed_at + dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def password_expired(user, *, now: dt.datetime | None = None) -> bool:
    """A staff password older than PASSWORD_MAX_AGE_DAYS must be changed before going on."""
    if not user.is_staff or not user.has_usable_password():
        return False
    expires = password_expires_at(user)
    return expires is not None and (now or timezone.now()) >= expires
