"""Shared fixtures. The Jianye demo (map, taxonomy, inventory, accounts, site) is loaded once
into the test database; tests run inside transactions on top of it."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.accounts.models import User
from portal.city.calendar import SHANGHAI
from portal.city.models import Category, Grid
from portal.workflow.models import Source
from portal.workflow.services import case_report


def _load_demo() -> None:
    call_command("load_demo", cases=0, quiet_accounts=True, stdout=io.StringIO())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _load_demo()


@pytest.fixture
def demo(transactional_db):
    """For transactional tests (live server): the flush after each one wipes the demo, so
    reload it (idempotent, about a second)."""
    _load_demo()


@pytest.fixture
def require_redis():
    """Tests of the Redis-backed parts: a missing server is a failure, never a silent skip."""
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set: run these tests with `make test-postgres`")
    return settings.REDIS_URL


@pytest.fixture
def require_postgres():
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.fail("DATABASE_URL is not PostgreSQL: run these tests with `make test-postgres`")


def totp_device(user):
    """The user's confirmed TOTP device (protected demo accounts have one: the demo
    secret), created if missing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device) -> str:
    """A code the device accepts now: the current one, or the next step's (tolerance 1)
    when the current one was just used (a code is accepted once)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step
    if totp.t() <= device.last_t:  # both used within this step: forget the last one
        type(device).objects.filter(pk=device.pk).update(last_t=-1)
        totp.time -= device.step
    return f"{totp.token():0{device.digits}d}"


def otp_verify_session(client, user, device=None) -> None:
    """Mark the client's session as having passed the second factor, the way the OTP page
    does (django_otp.login, then the device generation the session passed with)."""
    from django.http import HttpRequest
    from django_otp import login as otp_login

    from portal.accounts.otp import otp_session_mark

    request = HttpRequest()
    request.session = client.session
    request.user = user
    otp_login(request, device or totp_device(user))
    user.refresh_from_db(fields=["otp_epoch"])
    otp_session_mark(request, user)
    request.session.save()


@pytest.fixture
def login(client):
    """Log the test client in as a demo account, by username, with the second factor
    passed (a TOTP device is created if the account has none); verified=False stops after
    the password step."""
    from portal.accounts.models import User

    def _login(username: str, *, verified: bool = True):
        user = User.objects.get(username=username)
        client.force_login(user)
        if verified:
            otp_verify_session(client, user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Process caches (grid index, calendar) key on versions in the Django cache; clearing
    it after each test makes every process cache rebuild from the rolled-back database."""
    yield
    from django.core.cache import cache

    from portal.city.process_cache import process_caches_reset

    cache.clear()
    process_caches_reset()


MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def user():
    def _user(username: str) -> User:
        return User.objects.get(username=username)

    return _user


@pytest.fixture
def grid():
    return Grid.objects.select_related("module", "supervisor").order_by("code").first()


@pytest.fixture
def new_case(user, grid):
    def _new_case(category: str = "暴露垃圾", at: dt.datetime = MONDAY_9AM, **kwargs):
        supervisor = grid.supervisor
        return case_report(
            actor=kwargs.pop("actor", supervisor),
            source=kwargs.pop("source", Source.SUPERVISOR),
            category=Category.objects.get(name=category),
            description=kwargs.pop("description", "江东中路12号门前有一堆生活垃圾无人清理"),
            lon=grid.centre_lon,
            lat=grid.centre_lat,
            at=at,
            **kwargs,
        )

    return _new_case
