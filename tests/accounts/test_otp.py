"""The second factor (MLPS level 3, R14): protected roles cannot reach any staff page, API
or the Wagtail admin after the password alone; wrong codes are throttled and locked."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.demo import DEMO_OTP_KEY_HEX, DEMO_PASSWORD, demo_accounts
from portal.accounts.models import AuditEvent, User
from portal.accounts.otp import otp_protected
from portal.accounts.roles import role_group
from tests.conftest import totp_code, totp_device

pytestmark = pytest.mark.django_db
VERIFY = "/accounts/otp/"
ENROLL = "/accounts/otp/enroll/"
PROTECTED = ("xitong01", "anquan01", "shenji01", "dangan01", "danganzhang01", "xuanchuan01")


def _password_login(client: Client, username: str, password: str = DEMO_PASSWORD):
    response = client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR="10.9.8.7"
    )
    assert response.status_code == 302, username
    assert client.session.get("_auth_user_id"), username
    return response


def _wrong(device: TOTPDevice) -> str:
    right = totp_code(device)
    return "000000" if right != "000000" else "111111"


def test_demo_protects_the_admin_archive_and_content_roles():
    for account in demo_accounts():
        user = User.objects.get(username=account.username)
        protected = account.role in {
            "system_admin",
            "security_admin",
            "auditor",
            "archivist",
            "archive_head",
            "publicity_editor",
            "publicity_head",
        }
        if account.role in {"supervisor", "acceptance_clerk", "dispatcher", "shift_leader"}:
            assert not otp_protected(user), account.username
        if protected:
            assert otp_protected(user), account.username
            # The demo seeds their device on the printed demo secret.
            assert TOTPDevice.objects.get(user=user, confirmed=True).key == DEMO_OTP_KEY_HEX
    assert not TOTPDevice.objects.filter(user__username="shouli01").exists()


def test_any_holder_of_archive_management_permissions_is_protected(user):
    clerk = user("shouli01")
    assert not otp_protected(clerk)
    group = Group.objects.create(name="临时档案整理")
    group.permissions.add(*role_group("archivist").permissions.filter(codename="file_archivalitem"))
    clerk.groups.add(group)
    assert otp_protected(User.objects.get(pk=clerk.pk))


@pytest.mark.parametrize("username", PROTECTED)
def test_protected_roles_reach_nothing_after_the_password_alone(client, username):
    response = _password_login(client, username)
    assert response["Location"] == "/admin/"
    for path in ("/admin/", "/cases/", "/archive/", "/todo/", "/admin/audit_events/"):
        response = client.get(path)
        assert response.status_code == 302, (username, path)
        assert response["Location"].startswith(f"{VERIFY}?next="), (username, path)
    # JSON and htmx callers get a 403 with the reason, not a redirect to a page.
    api = client.get("/cases/", HTTP_ACCEPT="application/json")
    assert api.status_code == 403
    assert "二次身份验证" in api.json()["detail"]
    htmx = client.get("/todo/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403 and htmx["HX-Redirect"].startswith(VERIFY)
    # A write is refused as well and changes nothing.
    assert client.post("/admin/users/add/", {"username": "x"}).status_code == 302
    assert not User.objects.filter(username="x").exists()
    page = client.get(VERIFY)
    assert page.status_code == 200 and "动态口令" in page.content.decode()


def test_the_right_code_opens_the_session_and_is_audited(client, user):
    _password_login(client, "xitong01")
    device = totp_device(user("xitong01"))
    response = client.post(
        VERIFY, {"token": totp_code(device), "next": "/admin/"}, REMOTE_ADDR="10.9.8.7"
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/snippets/city/grid/").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.OTP_VERIFIED)
    assert event.username == "xitong01" and event.success and event.ip_address == "10.9.8.7"


def test_a_used_code_cannot_be_replayed(client, user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = totp_device(user("shenji01"))
    code = totp_code(device)
    _password_login(client, "shenji01")
    assert client.post(VERIFY, {"token": code}).status_code == 302
    other = Client()
    _password_login(other, "shenji01")
    response = other.post(VERIFY, {"token": code})
    assert response.status_code == 400
    assert "不正确或已使用" in response.content.decode()
    assert other.get("/admin/").status_code == 302


def test_wrong_codes_are_throttled_then_locked(client, user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the growing delay is tested below
    device = totp_device(user("dangan01"))
    _password_login(client, "dangan01")
    for attempt in range(1, settings.OTP_FAILURE_LIMIT):
        response = client.post(VERIFY, {"token": _wrong(device)})
        assert response.status_code == 400, attempt
        assert "不正确" in response.content.decode()
    response = client.post(VERIFY, {"token": _wrong(device)})
    assert response.status_code == 429
    assert "动态口令已锁定" in response.content.decode()
    # The session ended; the password again leads to the locked second step, even with
    # the right code.
    assert "_auth_user_id" not in client.session
    _password_login(client, "dangan01")
    assert client.get(VERIFY).status_code == 429
    _password_login(client, "dangan01")
    assert client.post(VERIFY, {"token": totp_code(device)}).status_code == 429
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.OTP_FAILED, username="dangan01")
    assert failures.count() == settings.OTP_FAILURE_LIMIT
    assert not failures.filter(success=True).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OTP_LOCKED).count() == 1


def test_the_lock_runs_out(client, user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    account = user("danganzhang01")
    device = totp_device(account)
    User.objects.filter(pk=account.pk).update(
        otp_failure_count=settings.OTP_FAILURE_LIMIT,
        otp_failed_at=timezone.now() - settings.OTP_LOCKOUT,
    )
    _password_login(client, "danganzhang01")
    assert client.post(VERIFY, {"token": totp_code(device)}).status_code == 302
    assert User.objects.get(pk=account.pk).otp_failure_count == 0


def test_quick_retries_are_refused_unchecked(client, user):
    # django-otp's growing delay (1, 2, 4 … s): right after a wrong code even the right
    # one is refused until the delay has passed; that refusal does not count as a failure.
    device = totp_device(user("anquan01"))
    _password_login(client, "anquan01")
    assert client.post(VERIFY, {"token": _wrong(device)}).status_code == 400
    response = client.post(VERIFY, {"token": totp_code(device)})
    assert response.status_code == 400
    assert "尝试过于频繁" in response.content.decode()
    assert User.objects.get(username="anquan01").otp_failure_count == 1


def test_first_login_without_a_device_enrolls_with_a_qr_code(client, user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    auditor = User.objects.create_user("shenji09", password=DEMO_PASSWORD, is_staff=True)
    auditor.groups.add(role_group("auditor"))
    _password_login(client, "shenji09")
    assert client.get("/admin/audit_events/")["Location"].startswith(VERIFY)
    response = client.get(f"{VERIFY}?next=/admin/audit_events/")
    assert response.status_code == 302 and response["Location"].startswith(ENROLL)
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "otp-secret" in body
    pending = TOTPDevice.objects.get(user=auditor, confirmed=False)
    assert client.post(ENROLL, {"token": _wrong(pending)}).status_code == 400
    assert client.post(ENROLL, {"token": "12ab56"}).status_code == 400  # form error, no 500
    response = client.post(ENROLL, {"token": totp_code(pending), "next": "/admin/audit_events/"})
    assert response.status_code == 302 and response["Location"] == "/admin/audit_events/"
    assert TOTPDevice.objects.get(user=auditor).confirmed
    assert client.get("/admin/audit_events/").status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.OTP_ENROLLED, username="shenji09"
    ).exists()


def test_a_stolen_password_cannot_enroll_a_new_device(client):
    _password_login(client, "xitong01")
    response = client.get(ENROLL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(ENROLL, {"token": "123456"}).status_code == 302
    assert not TOTPDevice.objects.filter(user__username="xitong01", confirmed=False).exists()


def test_the_admin_asks_every_account_for_the_second_factor(client):
    # A clerk without a device works on the case pages with the password, but the Wagtail
    # admin needs the second factor from every account: it sends them to enroll.
    _password_login(client, "shouli01")
    assert client.get("/cases/").status_code == 200
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get(response["Location"])["Location"].startswith(ENROLL)


def test_a_normal_user_with_a_device_must_verify(client, user):
    device = totp_device(user("paiqian01"))
    _password_login(client, "paiqian01")
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"token": totp_code(device), "next": "/cases/"}).status_code == 302
    assert client.get("/cases/").status_code == 200


def test_logout_and_public_pages_stay_open_before_the_second_step(client):
    _password_login(client, "xitong01")
    assert client.get("/static/css/portal.css").status_code in (200, 404)
    assert client.get("/healthz").status_code == 200
    client.post("/admin/logout/")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, username="xitong01").exists()


def test_the_login_fixture_gives_a_verified_session(client, login):
    login("shenji01", verified=False)
    assert client.get("/admin/audit_events/").status_code == 302
    login("shenji01")
    assert client.get("/admin/audit_events/").status_code == 200


def test_removing_a_device_ends_verified_sessions(client, login, user):
    login("anquan01")
    assert client.get("/admin/users/").status_code == 200
    TOTPDevice.objects.filter(user=user("anquan01")).delete()
    response = client.get("/admin/users/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_session_marked_by_django_otp_login_alone_is_verified(client, user):
    from django.http import HttpRequest
    from django_otp import login as otp_login

    account = user("shenji01")
    client.force_login(account)
    request = HttpRequest()
    request.session, request.user = client.session, account
    otp_login(request, totp_device(account))
    request.session.save()
    assert client.get("/admin/audit_events/").status_code == 200


def test_the_security_admin_resets_a_lost_device(client, login, user):
    login("dangan01")
    assert client.get("/archive/").status_code == 200
    with pytest.raises(CommandError):
        call_command("otp_reset", "dangan01", "--by", "xitong01", stdout=io.StringIO())
    assert TOTPDevice.objects.filter(user__username="dangan01").exists()
    call_command("otp_reset", "dangan01", "--by", "anquan01", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user__username="dangan01").exists()
    response = client.get("/archive/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get(VERIFY)["Location"].startswith(ENROLL)
    event = AuditEvent.objects.get(action=AuditEvent.Action.OTP_RESET)
    assert (event.username, event.target) == ("anquan01", "user:dangan01")
