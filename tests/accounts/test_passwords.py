"""Password policy (MLPS level 3 identity authentication (a)): length, complexity, not
the username, no reuse of the last five, and the 90-day expiry of staff passwords."""

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from portal.accounts.demo import DEMO_PASSWORD, demo_accounts
from portal.accounts.models import AuditEvent, PasswordHistory, User
from portal.accounts.passwords import password_expired

pytestmark = pytest.mark.django_db
CHANGE = "/accounts/password/"


def _errors(password: str, user) -> str:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    return " ".join(caught.value.messages)


def test_the_demo_password_meets_the_policy():
    newcomer = User(username="xinren01", real_name="新人", is_staff=True)
    validate_password(DEMO_PASSWORD, newcomer)


def test_weak_passwords_are_refused_with_chinese_reasons():
    newcomer = User(username="xinren01", real_name="新人", is_staff=True)
    assert "至少 12 个字符" in _errors("Ab1!ab1!ab", newcomer)
    assert "3 类" in _errors("abcdefghijkl1", newcomer)  # lower + digit only
    assert "3 类" in _errors("ABCDEFGHIJKL!", newcomer)
    assert "用户名" in _errors("Xinren01@2026", newcomer)
    assert "用户名" in _errors("10nernix@Safe", newcomer)  # backwards
    # Three classes are enough: lower + upper + digit, or lower + digit + symbol.
    validate_password("Lanternfish42Q", newcomer)
    validate_password("lantern-fish-42", newcomer)


def _change(client, old: str, new: str):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_the_last_five_passwords_cannot_be_reused(client, login, user):
    login("zhiban01")
    passwords = [f"Zhiban-Key{n}-2026" for n in range(1, 7)]
    current = DEMO_PASSWORD
    for new in passwords[:5]:
        assert _change(client, current, new).status_code == 302, new
        current = new
    assert PasswordHistory.objects.filter(user=user("zhiban01")).count() == 5
    for old in (*passwords[:5],):
        response = _change(client, current, old)
        assert response.status_code == 400, old
        assert "最近 5 次" in response.content.decode()
    # The sixth password back (the demo one) has left the history.
    assert _change(client, current, DEMO_PASSWORD).status_code == 302
    assert user("zhiban01").check_password(DEMO_PASSWORD)
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.PASSWORD_CHANGED, username="zhiban01"
        ).count()
        == 6
    )


def test_a_wrong_old_password_changes_nothing(client, login, user):
    login("zhiban02")
    before = user("zhiban02").password
    response = _change(client, "not-the-old-one", "Zhiban-Key9-2026")
    assert response.status_code == 400
    assert user("zhiban02").password == before


def test_an_expired_password_must_be_changed_first(client, login, user):
    account = user("paiqian02")
    User.objects.filter(pk=account.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    login("paiqian02")
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"] == f"{CHANGE}?next=%2Fcases%2F"
    assert client.get("/admin/").status_code == 302
    assert client.get("/cases/", HTTP_ACCEPT="application/json").status_code == 403
    page = client.get(CHANGE)
    assert page.status_code == 200 and "90 天有效期" in page.content.decode()
    response = client.post(
        CHANGE,
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Paiqian-Key1-2026",
            "new_password2": "Paiqian-Key1-2026",
            "next": "/cases/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200  # the session survived the change
    assert not password_expired(user("paiqian02"))


def test_the_expiry_is_ninety_days_and_demo_accounts_start_fresh(user):
    now = timezone.now()
    for account in demo_accounts():
        assert not password_expired(user(account.username)), account.username
    clerk = user("shouli02")
    clerk.password_changed_at = now - dt.timedelta(days=89)
    assert not password_expired(clerk, now=now)
    clerk.password_changed_at = now - dt.timedelta(days=90)
    assert password_expired(clerk, now=now)


def test_set_password_stamps_the_date_and_history_but_a_rehash_does_not(user):
    clerk = user("shouli02")
    User.objects.filter(pk=clerk.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=30)
    )
    clerk.refresh_from_db()
    stamped = clerk.password_changed_at
    clerk.set_password("Shouli-Key1-2026")
    clerk.save()
    assert clerk.password_changed_at > stamped
    assert PasswordHistory.objects.filter(user=clerk).count() == 1
    # A login that upgrades the hash is not a password change.
    before = clerk.password_changed_at
    assert clerk.check_password("Shouli-Key1-2026")
    clerk.refresh_from_db()
    assert clerk.password_changed_at == before
    assert PasswordHistory.objects.filter(user=clerk).count() == 1
