import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from portal.citizen.models import Moderation, PublicReport, Rating
from portal.citizen.services import (
    ALPHABET,
    TRACKING_PREFIX,
    report_moderate,
    report_rate,
    report_reveal_check,
)
from portal.workflow.models import Case, CaseEvent, Source, Status
from portal.workflow.services import TransitionConflict
from tests.citizen.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def test_submit_creates_a_public_case_with_a_random_number_and_a_hashed_code(submit):
    receipt = submit()
    case = receipt.case
    assert case.source == Source.PUBLIC and case.status == Status.REPORTED
    assert case.reporter_phone == "13812349000" and case.reporter_name == "张三丰"
    number, code = receipt.tracking_number, receipt.code
    assert number.startswith(TRACKING_PREFIX) and len(number) == 12
    assert set(number[2:]) <= set(ALPHABET) and set(code) <= set(ALPHABET) and len(code) == 6
    report = PublicReport.objects.get(case=case)
    assert code not in report.code_hash and report_reveal_check(report=report, code=code)
    assert report_reveal_check(report=report, code=code.lower())
    assert not report_reveal_check(report=report, code="000000")
    # The case number is sequential; the tracking number has nothing to do with it.
    assert case.number[2:] not in number


def test_tracking_numbers_do_not_follow_each_other(submit):
    numbers = [submit().tracking_number for _ in range(5)]
    assert len(set(numbers)) == 5
    assert sorted(numbers) != numbers or sorted(numbers, reverse=True) != numbers


def test_a_bad_photo_leaves_nothing_behind(submit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    svg = SimpleUploadedFile(
        "photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/jpeg"
    )
    before = Case.objects.count(), PublicReport.objects.count(), CaseEvent.objects.count()
    with pytest.raises(ValidationError):
        submit(uploads=[svg])
    assert (Case.objects.count(), PublicReport.objects.count(), CaseEvent.objects.count()) == before


def test_submit_stores_photos_on_the_case(submit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")
    receipt = submit(uploads=[photo])
    attachment = receipt.case.attachments.get()
    assert attachment.kind == "before" and attachment.content_type == "image/jpeg"


def test_hotline_submission_needs_the_operator_role(submit, user):
    with pytest.raises(PermissionDenied):
        submit(channel="hotline", operator=user("shouli01"))
    receipt = submit(channel="hotline", operator=user("rexian01"))
    assert receipt.case.source == Source.HOTLINE
    assert receipt.report.operator == user("rexian01")


def test_rating_before_closure_is_refused(submit):
    receipt = submit()
    with pytest.raises(TransitionConflict):
        report_rate(report=receipt.report, satisfaction="satisfied")
    assert not Rating.objects.exists()


def test_satisfied_rating_feeds_the_case_and_is_recorded_once(submit, close_case):
    receipt = submit()
    close_case(receipt.case)
    rating = report_rate(report=receipt.report, satisfaction="satisfied", comment="很快")
    case = Case.objects.get(pk=receipt.case.pk)
    assert case.satisfaction == "satisfied" and case.status == Status.CLOSED
    assert not rating.reopened
    with pytest.raises(TransitionConflict):
        report_rate(report=receipt.report, satisfaction="unsatisfied")


def test_unsatisfied_reopens_the_case_for_review_once(submit, close_case, user):
    receipt = submit()
    close_case(receipt.case)
    rating = report_rate(report=receipt.report, satisfaction="unsatisfied", comment="垃圾还在")
    case = Case.objects.get(pk=receipt.case.pk)
    assert rating.reopened
    assert case.status == Status.ACCEPTED and case.closed_at is None and case.satisfaction == ""
    assert case.events.filter(action="reopen").count() == 1
    assert case.steps.filter(step="file", finished_at__isnull=True).exists()
    # The shift leader files it again and it runs the loop once more.
    from portal.workflow import services as s

    s.case_file(case=case, actor=user("zhiban01"))
    case.refresh_from_db()
    assert case.status == Status.FILED
    # The rule reopens at most once: a second 不满意 after re-closure stands.
    case = s.case_dispatch(
        case=case, actor=user("paiqian01"), department=case.category.default_department
    )
    handler = case.department.staff.filter(groups__name="部门处置员").first()
    case = s.case_handle(case=case, actor=handler, result="再次清运")
    case = s.case_check(
        case=case, actor=case.grid.supervisor or case.module.supervisor, passed=True
    )
    s.case_close(case=case, actor=user("zhiban01"))
    second = report_rate(report=receipt.report, satisfaction="unsatisfied")
    assert not second.reopened
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


@override_settings(CITIZEN_REOPEN={"on": [], "within_days": 15, "max_times": 1})
def test_the_reopen_rule_is_configurable(submit, close_case):
    receipt = submit()
    close_case(receipt.case)
    assert not report_rate(report=receipt.report, satisfaction="unsatisfied").reopened
    assert Case.objects.get(pk=receipt.case.pk).status == Status.CLOSED


def test_callback_is_recorded_by_an_operator_only(submit, close_case, user):
    receipt = submit()
    close_case(receipt.case)
    with pytest.raises(PermissionDenied):
        report_rate(
            report=receipt.report, satisfaction="fair", via="callback", actor=user("paiqian01")
        )
    rating = report_rate(
        report=receipt.report, satisfaction="fair", via="callback", actor=user("rexian01")
    )
    assert rating.via == Rating.Via.CALLBACK and rating.actor == user("rexian01")


def test_moderation_needs_permission_and_keeps_the_text_before(submit, user):
    receipt = submit(description="占道经营的摊主王某某电话13900000000")
    with pytest.raises(PermissionDenied):
        report_moderate(report=receipt.report, actor=user("paiqian01"), action="hide", reason="x")
    with pytest.raises(ValidationError):
        report_moderate(report=receipt.report, actor=user("shouli01"), action="hide", reason=" ")
    record = report_moderate(
        report=receipt.report,
        actor=user("shouli01"),
        action="redact",
        reason="含他人个人信息",
        text="占道经营",
    )
    report = PublicReport.objects.get(pk=receipt.report.pk)
    assert report.public_description == "占道经营"
    # The text before the edit; its phone number was already masked at submission.
    assert record.before.endswith("王某某电话139****0000")
    assert record.action == Moderation.Action.REDACT
    assert report.case.description.endswith("13900000000")  # the case keeps the original
    report_moderate(report=report, actor=user("shouli01"), action="hide", reason="重复举报")
    assert PublicReport.objects.get(pk=report.pk).hidden
