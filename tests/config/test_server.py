"""The production stack for real: gunicorn on loopback, WhiteNoise serving static files."""

import urllib.error
import urllib.request

import pytest

from tests.servers import gunicorn, manage, production_env


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("prod")
    env = production_env(work)
    manage(env, "collectstatic", "--noinput")
    with gunicorn(env, work, ("--workers", "2")) as (_process, base):
        yield base


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_healthz_and_pages_over_gunicorn(gunicorn_server):
    status, _, body = fetch(gunicorn_server + "/healthz")
    assert status == 200 and '"database": "ok"' in body
    status, headers, body = fetch(gunicorn_server + "/concepts/vm-pod/")
    assert status == 200 and "Virtual machine" in body
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_whitenoise_serves_hashed_static_files_and_htmx(gunicorn_server):
    _, _, page = fetch(gunicorn_server + "/")
    import re

    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1)
    htmx = re.search(r'src="(/static/django-htmx/[^"]+)"', page) or re.search(
        r'src="(/static/[^"]*htmx[^"]*)"', page
    )
    status, headers, body = fetch(gunicorn_server + css)
    assert status == 200 and "--vs:" in body
    assert "max-age=315360000" in headers["Cache-Control"]
    status, _, script = fetch(gunicorn_server + htmx.group(1))
    assert status == 200 and "htmx" in script
