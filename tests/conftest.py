import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request to a /zh-hans/ page leaves Chinese active in this thread; later tests
    (their reverse() calls) expect the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def htmx_headers():
    """Headers htmx sends with a fragment request."""
    return {"HTTP_HX_REQUEST": "true"}
