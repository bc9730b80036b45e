import pytest

from portal.supervision import services as s
from portal.supervision.demo import supervision_demo_load
from portal.supervision.models import Status, SupervisedTask

pytestmark = pytest.mark.django_db


def test_demo_items_cover_every_state_and_load_once():
    assert supervision_demo_load() == 4
    assert supervision_demo_load() == 0
    states = set(SupervisedTask.objects.values_list("status", flat=True))
    assert states == {Status.ISSUED, Status.IN_PROGRESS, Status.CLOSED}
    # The one past its deadline is flagged by the sweep.
    assert s.task_overdue_record() == 1
