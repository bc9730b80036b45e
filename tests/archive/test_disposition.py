"""Disposition (鉴定销毁): the due report, appraisal (extend as a versioned correction, or
destroy), legal holds that block destruction, a batch with the head's approval and two
witnesses, the permanent register and the tombstone."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.archive import disposition as d
from portal.archive.models import (
    DestructionRecord,
    ImmutableRecord,
    ItemState,
    RetentionRule,
)
from portal.archive.services import fixity_sweep

pytestmark = pytest.mark.django_db

# Items filed now with D30 are due in 30 years.
LATER = dt.datetime(2090, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def item(filed):
    return filed()


def _destroy_ready(item, user):
    d.appraisal_record(
        item=item, actor=user("dangan01"), decision="destroy", reason="无保存价值", at=LATER
    )
    return d.destruction_propose(items=[item], actor=user("dangan01"), reason="到期销毁", at=LATER)


def test_due_report_follows_year_plus_retention_and_never_permanent(item, filed):
    due_year = item.year + 30
    just_before = dt.datetime(due_year - 1, 12, 31, tzinfo=dt.UTC)
    on_time = dt.datetime(due_year, 6, 1, tzinfo=dt.UTC)
    assert item.retention == "D30"
    assert not d.retention_due(at=just_before).filter(pk=item.pk).exists()
    assert d.retention_due(at=on_time).filter(pk=item.pk).exists()
    RetentionRule.objects.create(category=item.category, retention="Y")
    permanent = filed()
    assert permanent.retention == "Y"
    assert (
        not d.retention_due(at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
        .filter(pk=permanent.pk)
        .exists()
    )


def test_extension_is_a_versioned_correction_and_keeps_the_code(item, user):
    code = item.reference_code
    with pytest.raises(ValidationError):
        d.appraisal_record(
            item=item,
            actor=user("dangan01"),
            decision="extend",
            new_retention="D10",
            reason="x",
            at=LATER,
        )
    d.appraisal_record(
        item=item,
        actor=user("dangan01"),
        decision="extend",
        new_retention="Y",
        reason="具有长期查考价值",
        at=LATER,
    )
    item.refresh_from_db()
    assert (item.reference_code, item.retention, item.retention_extended) == (code, "D30", "Y")
    version = item.versions.get(number=2)
    assert "具有长期查考价值" in version.reason and version.changes["retention_extended"] == [
        "",
        "Y",
    ]
    assert not d.retention_due(at=LATER).filter(pk=item.pk).exists()


def test_appraisal_needs_ended_retention_and_the_permission(item, user):
    with pytest.raises(ValidationError):
        d.appraisal_record(item=item, actor=user("dangan01"), decision="destroy", reason="x")
    with pytest.raises(PermissionDenied):
        d.appraisal_record(
            item=item, actor=user("danganzhang01"), decision="destroy", reason="x", at=LATER
        )


def test_destruction_needs_approval_and_two_witnesses_then_leaves_a_tombstone(
    item, user, login, django_capture_on_commit_callbacks
):
    paths = [Path(f.file.path) for f in item.files.all()]
    assert paths and all(p.exists() for p in paths)
    batch = _destroy_ready(item, user)
    with pytest.raises(ValidationError):  # not approved yet
        d.destruction_witness(batch=batch, actor=user("shenji01"))
    with pytest.raises(PermissionDenied):
        d.destruction_decide(batch=batch, actor=user("dangan01"), approve=True)
    response = login("danganzhang01").post(f"/archive/destruction/{batch.pk}/", {"step": "approve"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "approved" and batch.approved_by == user("danganzhang01")

    with pytest.raises(ValidationError):  # the proposer cannot witness
        d.destruction_witness(batch=batch, actor=user("dangan01"))
    d.destruction_witness(batch=batch, actor=user("danganzhang01"))
    with pytest.raises(ValidationError):  # nor the same person twice
        d.destruction_witness(batch=batch, actor=user("danganzhang01"))
    with pytest.raises(ValidationError, match="两名监销人"):
        d.destruction_execute(batch=batch, actor=user("dangan01"), method="彻底删除", at=LATER)
    with pytest.raises(PermissionDenied):
        d.destruction_witness(batch=batch, actor=user("chuzhi_hws"))
    d.destruction_witness(batch=batch, actor=user("shenji01"))

    with django_capture_on_commit_callbacks(execute=True):
        d.destruction_execute(batch=batch, actor=user("dangan01"), method="彻底删除", at=LATER)
    item.refresh_from_db()
    assert item.state == ItemState.DESTROYED and item.destroyed_at == LATER
    assert item.reference_code and item.title  # the tombstone keeps 档号 and metadata
    assert not any(p.exists() for p in paths)
    assert item.files.filter(purged_at__isnull=True).count() == 0
    record = DestructionRecord.objects.get(item=item)
    assert record.reference_code == item.reference_code and record.method == "彻底删除"
    assert user("shenji01").get_full_name() in record.witnesses
    with pytest.raises(ImmutableRecord):
        record.delete()
    with pytest.raises(ImmutableRecord):
        record.save()
    assert fixity_sweep() == 0  # purged files raise no alarm

    client = login("dangan01")
    page = client.get(f"/archive/items/{item.pk}/").content.decode()
    assert "已销毁" in page and item.reference_code in page
    pdf = item.files.first()
    assert client.post(
        f"/archive/items/{item.pk}/files/{pdf.pk}/", {"reason": "x"}
    ).status_code in (
        403,
        404,
    )
    register = login("shenji01").get("/archive/destruction/register/")
    assert register.status_code == 200 and item.reference_code in register.content.decode()


def test_legal_hold_blocks_destruction_until_lifted(item, user):
    hold = d.legal_hold_place(item=item, actor=user("dangan01"), reason="行政复议在办")
    d.appraisal_record(
        item=item, actor=user("dangan01"), decision="destroy", reason="无保存价值", at=LATER
    )
    with pytest.raises(ValidationError, match="法律保留"):
        d.destruction_propose(items=[item], actor=user("dangan01"), reason="到期", at=LATER)
    d.legal_hold_lift(hold=hold, actor=user("dangan01"))
    batch = d.destruction_propose(items=[item], actor=user("dangan01"), reason="到期", at=LATER)
    d.destruction_decide(batch=batch, actor=user("danganzhang01"), approve=True)
    d.destruction_witness(batch=batch, actor=user("danganzhang01"))
    d.destruction_witness(batch=batch, actor=user("shenji01"))
    # A hold placed after approval still stops the execution.
    d.legal_hold_place(item=item, actor=user("dangan01"), reason="诉讼")
    with pytest.raises(ValidationError, match="法律保留"):
        d.destruction_execute(batch=batch, actor=user("dangan01"), method="删除", at=LATER)
    item.refresh_from_db()
    assert item.state != ItemState.DESTROYED
    assert not DestructionRecord.objects.exists()


def test_only_items_appraised_for_destruction_join_a_batch(item, user):
    with pytest.raises(ValidationError, match="未经鉴定"):
        d.destruction_propose(items=[item], actor=user("dangan01"), reason="到期", at=LATER)


def test_pages_refuse_the_wrong_roles(item, login):
    for url in ("/archive/disposition/", "/archive/destruction/register/"):
        assert login("chuzhi_hws").get(url).status_code == 403
    assert login("dangan01").get("/archive/disposition/").status_code == 200
    assert login("danganzhang01").get("/archive/disposition/").status_code == 200
    assert login("danganzhang01").get(f"/archive/items/{item.pk}/appraise/").status_code == 403
    assert login("dangan01").get(f"/archive/items/{item.pk}/appraise/").status_code == 200
    assert (
        login("chuzhi_hws").post(f"/archive/items/{item.pk}/holds/", {"reason": "x"}).status_code
        == 403
    )
    assert (
        login("chuzhi_hws").post("/archive/destruction/", {"items": [item.pk]}).status_code == 403
    )


def test_http_propose_and_hold(item, login, user):
    from portal.archive.models import LegalHold

    client = login("dangan01")
    assert (
        client.post(f"/archive/items/{item.pk}/holds/", {"reason": "纪检调阅"}).status_code == 302
    )
    hold = LegalHold.objects.get(item=item)
    assert hold.placed_by == user("dangan01") and hold.lifted_at is None
    assert client.post(f"/archive/holds/{hold.pk}/lift/").status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None
