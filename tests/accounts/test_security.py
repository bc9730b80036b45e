import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import AuditEvent, User

pytestmark = pytest.mark.django_db
LOGIN_URL = "/admin/login/"
ROOT = Path(__file__).resolve().parents[2]


def _post_login(client: Client, username: str, password: str):
    return client.post(
        LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3"
    )


def test_passwords_are_hashed_with_argon2():
    user = User.objects.get(username="shouli01")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert check_password(DEMO_PASSWORD, user.password)


def test_login_and_logout_are_audited(client):
    response = _post_login(client, "shouli01", DEMO_PASSWORD)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert event.username == "shouli01"
    assert event.actor.username == "shouli01"
    assert event.ip_address == "10.1.2.3"
    client.post("/admin/logout/")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, username="shouli01").exists()


def test_failed_login_is_audited_and_does_not_log_in(client):
    response = _post_login(client, "shouli01", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.username == "shouli01"
    assert event.actor is None


def test_repeated_failures_lock_the_account(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "paiqian01", "wrong-password")
    # Even the right password is refused while locked, with the Chinese lockout page.
    response = _post_login(client, "paiqian01", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOCKED_OUT, username="paiqian01"
    ).exists()
    # Another account from the same address is not locked.
    assert _post_login(client, "paiqian02", DEMO_PASSWORD).status_code == 302


def test_staff_sessions_expire_after_thirty_idle_minutes(client, login):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    login("zhiban01")
    client.get("/admin/")
    assert 0 < client.session.get_expiry_age() <= 30 * 60


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "x" * 20 + "production-grade-secret-key-for-check-only-0123456789",
        "ALLOWED_HOSTS": "cg.jianye.example",
        "DATABASE_URL": "sqlite:///:memory:",
        # Production requires the personal-data keys (portal/workflow/pii.py).
        "FIELD_ENCRYPTION_KEY": "check1:Y2hlY2stb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE",
        "FIELD_INDEX_KEY": "check-only-blind-index-key",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
