import pytest

from portal.notices.demo import notices_demo_load
from portal.notices.models import Notice, NoticeRecipient, Status

pytestmark = pytest.mark.django_db


def test_demo_notices_load_once():
    assert notices_demo_load() == 2
    assert notices_demo_load() == 0
    published = Notice.objects.get(status=Status.PUBLISHED)
    # Every community of 南湖 (7) and 滨湖 (6) streets, and their two street offices.
    assert published.recipients.filter(community__isnull=False).count() == 13
    assert published.recipients.filter(department__isnull=False).count() == 2
    assert NoticeRecipient.objects.filter(notice=published, read_at__isnull=False).count() == 1
    assert Notice.objects.filter(status=Status.REVIEW).count() == 1
