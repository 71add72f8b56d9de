import pytest


@pytest.fixture
def htmx_headers():
    """Headers htmx sends with a fragment request."""
    return {"HTTP_HX_REQUEST": "true"}
