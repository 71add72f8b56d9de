"""The whole stack as it runs, for the end-to-end mirror tests: the API facade serving a
sandbox (gunicorn), `manage.py mirror` as its own process, and the web app (gunicorn)
reading the mirror's database, signed in as someone allowed to see mirrors."""

import contextlib
import re
import subprocess
import sys

import pytest
import requests
from kubernetes import config

from tests.playground.mirror.conftest import wait_for
from tests.servers import ROOT, gunicorn, manage, production_env, start_gunicorn, stop

# The mirror holds a watch open per resource (22 of them): the facade needs the threads.
GTHREAD = ("--workers", "2", "--worker-class", "gthread", "--threads", "24", "--graceful-timeout", "3")


class Stack:
    """The running stack's processes, addresses and clients."""


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def shell(env, code: str) -> str:
    return manage(env, "shell", "-c", code).stdout


def eventually(check, timeout=30, what="the page to change"):
    return wait_for(check, timeout, what, interval=0.3)


@pytest.fixture(scope="module", name="stack")
def stack_fixture(tmp_path_factory):
    # Every process started here is stopped however the setup ends (ExitStack).
    with contextlib.ExitStack() as started:
        yield from _stack(tmp_path_factory, started)


def _stack(tmp_path_factory, started: contextlib.ExitStack):
    facade_dir = tmp_path_factory.mktemp("facade")
    facade_env = production_env(facade_dir, KUBE_API_WATCH_SECONDS="30")
    s = Stack()
    s.facade, facade_url = start_gunicorn(facade_env, facade_dir, GTHREAD)
    started.callback(lambda: stop(s.facade))  # the one running then: a test may restart it
    kubeconfig = facade_dir / "kubeconfig"
    kubeconfig.write_text(
        manage(
            facade_env,
            "sandbox_kubeconfig",
            "--new",
            "--server",
            facade_url,
            "--scenario",
            "restaurant-rating",
        ).stdout
    )
    # 60x: the node lifecycle controller's 40 s grace passes in under a second.
    shell(facade_env, "from playground.models import Sandbox; Sandbox.objects.update(speed=60)")
    context = re.search(r"current-context: (\S+)", kubeconfig.read_text()).group(1)

    web_dir = tmp_path_factory.mktemp("web")
    web_env = production_env(
        web_dir, KUBECONFIG=str(kubeconfig), SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false"
    )
    manage(web_env, "collectstatic", "--noinput")
    shell(
        web_env,
        "from django.contrib.auth.models import User; User.objects.create_superuser('ops', 'ops@example.com', 'pw-for-tests-only')",
    )
    _web, web_url = started.enter_context(gunicorn(web_env, web_dir, GTHREAD))
    log = started.enter_context(open(web_dir / "mirror.log", "w"))  # noqa: SIM115
    mirror = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "mirror",
            context,
            "--watch-seconds",
            "20",
            "--heartbeat",
            "1",
            "--max-backoff",
            "2",
        ],
        cwd=ROOT,
        env={**web_env, "PYTHONUNBUFFERED": "1"},  # each line reaches the log as it is printed
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    started.callback(_end, mirror)
    session = requests.Session()
    login = session.get(web_url + "/accounts/login/")
    session.post(
        web_url + "/accounts/login/",
        {
            "username": "ops",
            "password": "pw-for-tests-only",
            "csrfmiddlewaretoken": login.cookies["csrftoken"],
        },
        headers={"Referer": web_url + "/accounts/login/"},
    )
    api = config.new_client_from_config(str(kubeconfig))

    s.facade_url, s.facade_env, s.facade_dir = facade_url, facade_env, facade_dir
    s.web_url, s.web_env, s.session, s.mirror, s.context, s.api = (
        web_url,
        web_env,
        session,
        mirror,
        context,
        api,
    )
    s.db = web_dir / "db.sqlite3"
    s.log = web_dir / "mirror.log"
    s.page = lambda: session.get(f"{web_url}/mirror/{context}/").text
    yield s
