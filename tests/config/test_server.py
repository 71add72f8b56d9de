"""The production stack for real: gunicorn on loopback, WhiteNoise serving static files."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("prod")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "STATIC_ROOT": str(work / "static"),
        }
    )
    python = sys.executable
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    gunicorn = Path(python).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(process.stderr.read().decode())
    yield base
    process.terminate()
    process.wait(timeout=10)


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
