import pytest
from django.contrib.auth.models import Group

from portal.accounts.demo import demo_accounts
from portal.accounts.models import AuditEvent, User
from portal.accounts.roles import ROLES, role_group, roles_sync
from portal.accounts.services import audit_record
from portal.city.models import Grid

pytestmark = pytest.mark.django_db

USER_ADMIN = {"accounts.change_user", "auth.change_group"}
DATA_ADMIN = {"city.change_grid", "city.change_category"}
AUDIT = {"accounts.view_auditevent"}


def _refused(response) -> bool:
    # Wagtail refuses an admin view by redirecting to the dashboard with an error message.
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_every_role_is_a_group_with_its_permissions():
    for role in ROLES:
        group = role_group(role.code)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(role.permissions), role.code


def test_roles_sync_is_idempotent_and_restores_drift():
    group = role_group("auditor")
    group.permissions.clear()
    roles_sync()
    roles_sync()
    assert Group.objects.filter(name="审计员").count() == 1
    assert role_group("auditor").permissions.filter(codename="view_auditevent").exists()


def test_three_role_split_no_account_holds_everything():
    for user in User.objects.all():
        perms = user.get_all_permissions()
        holds = [bool(USER_ADMIN & perms), bool(DATA_ADMIN & perms), bool(AUDIT & perms)]
        assert sum(holds) <= 1, (user.username, holds)
    assert not User.objects.filter(is_superuser=True).exists()


def test_demo_has_an_account_for_every_role():
    roles = {a.role for a in demo_accounts()}
    assert roles == {r.code for r in ROLES}
    supervisor = User.objects.get(username="jiandu001")
    assert Grid.objects.filter(supervisor=supervisor).exists()


def test_only_the_auditor_reads_the_audit_log(client, login):
    audit_record(action=AuditEvent.Action.LOGIN, username="someone")
    login("shenji01")
    response = client.get("/admin/audit_events/")
    assert response.status_code == 200
    assert "someone" in response.content.decode()
    for username in ("xitong01", "anquan01", "zhiban01"):
        login(username)
        assert _refused(client.get("/admin/audit_events/")), username


def test_nobody_can_edit_or_delete_audit_events(client, login):
    event = audit_record(action=AuditEvent.Action.LOGIN, username="someone")
    login("shenji01")
    assert _refused(client.get(f"/admin/audit_events/edit/{event.pk}/"))
    assert _refused(client.post(f"/admin/audit_events/delete/{event.pk}/"))
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_system_admin_edits_grids_and_others_only_view(client, login):
    grid = Grid.objects.order_by("code").first()
    url = f"/admin/snippets/city/grid/edit/{grid.pk}/"
    login("xitong01")
    assert client.get(url).status_code == 200
    for username in ("jiandu001", "anquan01", "shenji01", "chuzhi_hws"):
        login(username)
        assert _refused(client.get(url)), username


def test_module_admin_may_edit_grids_but_not_categories(client, login):
    login("mokuai001")
    grid = Grid.objects.order_by("code").first()
    assert client.get(f"/admin/snippets/city/grid/edit/{grid.pk}/").status_code == 200
    assert _refused(client.get("/admin/snippets/city/category/add/"))


def test_grid_edit_in_admin_validates_geometry(client, login):
    grid = Grid.objects.order_by("code").first()
    login("xitong01")
    response = client.post(
        f"/admin/snippets/city/grid/edit/{grid.pk}/",
        {
            "code": grid.code,
            "community": grid.community_id,
            "module": grid.module_id,
            "responsible_party": grid.responsible_party,
            "supervisor": "",
            "geometry": '{"type": "Point", "coordinates": [118.7, 32.0]}',
        },
    )
    assert response.status_code == 200
    assert "Polygon" in response.content.decode()
    grid.refresh_from_db()
    assert grid.geometry["type"] in ("Polygon", "MultiPolygon")


def test_security_admin_manages_users_only(client, login):
    login("anquan01")
    assert client.get("/admin/users/").status_code == 200
    assert _refused(client.get("/admin/snippets/city/grid/"))
    login("xitong01")
    assert _refused(client.get("/admin/users/"))
