import io

import pytest
from django.core.management import call_command

from portal.accounts.models import User
from portal.city.models import Category, Component, Grid, Module
from portal.models import HomePage

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(m.objects.count() for m in (Grid, Module, Category, Component, User, HomePage))


def test_load_demo_is_idempotent_and_prints_accounts():
    before = _counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    text = out.getvalue()
    assert "Jianye@2026!" in text
    for role in ("监督员", "受理员", "值班长", "派遣员", "档案员", "审计员", "安全管理员"):
        assert role in text
    assert "新建 0" in text


def test_demo_grid_codes_are_stable():
    first = Grid.objects.order_by("code").first()
    assert first.code.startswith("320105001001")
    assert Grid.objects.count() == 835
