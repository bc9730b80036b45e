import datetime as dt

import pytest

from portal.accounts.models import User
from portal.city.calendar import SHANGHAI
from portal.city.models import Category, Grid
from portal.workflow.models import Source
from portal.workflow.services import case_report

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
