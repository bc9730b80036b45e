import pytest

from portal.supervision.models import Bulletin, SupervisedTask


@pytest.fixture(autouse=True)
def _empty_register(db):
    """Start from an empty 督办 register: the demo's items would change the counts."""
    SupervisedTask.objects.all().delete()
    Bulletin.objects.all().delete()
