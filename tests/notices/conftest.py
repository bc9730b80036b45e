import pytest

from portal.notices.models import Notice


@pytest.fixture(autouse=True)
def _no_notices(db):
    """Start without notices: the demo's would change the counts."""
    Notice.objects.all().delete()
