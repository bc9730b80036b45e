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


@pytest.fixture
def login(client):
    """Log the test client in as a demo account, by username."""
    from portal.accounts.models import User

    def _login(username: str):
        client.force_login(User.objects.get(username=username))
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
