import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Requests in English leave English active in this thread (LocaleMiddleware activates
    but never deactivates); give the next test the default language back."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
