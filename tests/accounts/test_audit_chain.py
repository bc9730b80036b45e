"""The tamper-evident audit log (R15): hash chain, verification, retention purge, and the
auditor alone reading it."""

import datetime as dt
import io
import itertools
import threading
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from portal.accounts.audit import event_hash
from portal.accounts.models import AuditChainHead, AuditEvent
from portal.accounts.selectors import audit_chain_verify
from portal.accounts.services import AuditChainBroken, audit_purge, audit_record

pytestmark = pytest.mark.django_db


def _events(n: int, **kwargs) -> list[AuditEvent]:
    return [
        audit_record(action=AuditEvent.Action.LOGIN, username=f"user{i}", **kwargs)
        for i in range(n)
    ]


def test_each_event_links_to_the_one_before():
    events = _events(4)
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
        assert len(after.hash) == 64
    stored = AuditEvent.objects.get(pk=events[-1].pk)
    assert event_hash(stored, stored.prev_hash) == stored.hash
    assert AuditChainHead.objects.get(pk=1).last_hash == events[-1].hash
    report = audit_chain_verify()
    assert report.ok and report.checked == AuditEvent.objects.count()


def test_other_apps_record_personal_data_views_with_target_and_request(user):
    request = RequestFactory().get("/cases/1/", REMOTE_ADDR="10.0.0.9", HTTP_USER_AGENT="UA")
    event = audit_record(
        actor=user("shouli01"),
        action=AuditEvent.Action.PERSONAL_DATA_VIEWED,
        target="reporter:42",
        detail={"fields": ["phone"], "at": timezone.now()},
        request=request,
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.username, stored.target) == ("shouli01", "reporter:42")
    assert stored.ip_address == "10.0.0.9" and stored.user_agent == "UA"
    assert stored.get_action_display() == "查看个人信息"
    assert audit_chain_verify().ok  # the datetime in the detail hashed as stored


def test_an_edited_row_is_reported():
    events = _events(5)
    AuditEvent.objects.filter(pk=events[2].pk).update(username="someone-else")
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id == events[2].pk
    assert "被改动" in report.message
    with pytest.raises(CommandError, match=str(events[2].pk)):
        call_command("audit_verify")


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link():
    events = _events(5)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.success = False
    forged.hash = event_hash(forged, forged.prev_hash)
    forged.save()
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id == events[2].pk


def test_a_deleted_row_is_reported():
    events = _events(5)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id == events[3].pk
    assert "删除" in report.message


def test_a_deleted_last_row_is_reported():
    events = _events(3)
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id is None
    assert "末尾记录被删除" in report.message


def test_audit_verify_command_reports_a_sound_chain():
    _events(2)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "审计链完整" in out.getvalue()


def _written_at(when: dt.datetime, n: int) -> list[AuditEvent]:
    with mock.patch("portal.accounts.services.timezone.now", return_value=when):
        return _events(n)


def test_the_purge_keeps_half_a_year_and_the_chain_verifiable():
    now = timezone.now()
    old = _written_at(now - dt.timedelta(days=200), 3)
    kept = _written_at(now - dt.timedelta(days=170), 2)
    # Nothing within the retention period is deleted, however often the job runs.
    assert audit_purge(now=now - dt.timedelta(days=30)) == 0
    before = AuditEvent.objects.filter(pk__lte=old[-1].pk).count()
    deleted = audit_purge(now=now)
    assert deleted == before >= 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    head = AuditChainHead.objects.get(pk=1)
    assert head.anchor_event_id == old[-1].pk and head.anchor_hash == old[-1].hash
    assert audit_chain_verify().ok
    purge = AuditEvent.objects.get(action=AuditEvent.Action.AUDIT_PURGED)
    assert purge.detail["deleted"] == deleted
    # Time shift: 183 days on, the rows kept above are still younger than the retention…
    assert audit_purge(now=now + dt.timedelta(days=12)) == 0
    # …and go once they are older; the chain still verifies from the new anchor.
    assert audit_purge(now=now + dt.timedelta(days=14)) == 2  # the purge record is younger
    assert audit_chain_verify().ok
    # A row deleted after a purge is still found.
    latest = AuditEvent.objects.order_by("id").first()
    _events(2)
    AuditEvent.objects.filter(pk=latest.pk).delete()
    assert not audit_chain_verify().ok


def test_the_purge_refuses_a_broken_chain_and_a_short_retention(settings):
    events = _written_at(timezone.now() - dt.timedelta(days=400), 3)
    AuditEvent.objects.filter(pk=events[1].pk).update(target="forged")
    with pytest.raises(AuditChainBroken):
        audit_purge()
    assert AuditEvent.objects.filter(pk=events[0].pk).exists()
    with pytest.raises(CommandError, match="审计链校验未通过"):
        call_command("audit_purge")
    settings.AUDIT_RETENTION_DAYS = 90
    with pytest.raises(ImproperlyConfigured):
        audit_purge()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(demo):
    threads, errors = 6, []

    def write(n: int) -> None:
        try:
            for i in range(8):
                audit_record(action=AuditEvent.Action.LOGIN, username=f"t{n}-{i}")
        except Exception as error:  # reported below, not swallowed
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    written = AuditEvent.objects.filter(username__startswith="t")
    assert written.count() == threads * 8
    hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes))  # no two rows claim the same predecessor
    assert audit_chain_verify().ok


def test_the_auditor_alone_checks_the_chain(client, login):
    _events(2)
    login("shenji01")
    page = client.get("/accounts/audit/verify/")
    assert page.status_code == 200 and "审计链完整" in page.content.decode()
    audit_record(action=AuditEvent.Action.PERSONAL_DATA_EXPORTED, target="reporter:4242")
    found = client.get("/admin/audit_events/", {"q": "reporter:4242"})
    assert found.status_code == 200 and "reporter:4242" in found.content.decode()
    for username in ("xitong01", "anquan01", "zhiban01"):
        login(username)
        assert client.get("/accounts/audit/verify/").status_code == 403, username
        assert client.get("/admin/audit_events/").status_code == 302, username
