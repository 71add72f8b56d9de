"""The whole thing as it runs: `manage.py mirror` as its own process, following a
sandbox served by this app's API facade (written to through the official client),
into the database a separate web server reads; through an outage and a relist."""

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from kubernetes import client, config

from tests.servers import ROOT, manage, production_env, start_gunicorn, stop

# The mirror holds a watch open per resource (22 of them): the facade needs the threads.
GTHREAD = ("--workers", "2", "--worker-class", "gthread", "--threads", "24", "--graceful-timeout", "3")


def shell(env, code: str) -> str:
    return manage(env, "shell", "-c", code).stdout


def eventually(check, timeout=30, what="the page to change"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    facade_dir = tmp_path_factory.mktemp("facade")
    facade_env = production_env(facade_dir, KUBE_API_WATCH_SECONDS="30")
    facade, facade_url = start_gunicorn(facade_env, facade_dir, GTHREAD)
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
    web, web_url = start_gunicorn(web_env, web_dir, GTHREAD)
    log = open(web_dir / "mirror.log", "w")  # noqa: SIM115
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
        env=web_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
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

    class Stack:
        pass

    s = Stack()
    s.facade, s.facade_url, s.facade_env, s.facade_dir = facade, facade_url, facade_env, facade_dir
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
    if mirror.poll() is None:
        mirror.kill()
    log.close()
    stop(web)
    stop(s.facade)


def test_the_mirror_process_follows_the_cluster_live(stack):
    def synced():
        html = stack.page()
        return html if "yelb-ui" in html and ">synced<" in html else None

    html = eventually(synced, what="the first sync")
    assert "ESXi host" in html and "worker-1" in html and "last heard from the cluster" in html
    apps = client.AppsV1Api(stack.api)
    apps.patch_namespaced_deployment_scale("yelb-ui", "default", {"spec": {"replicas": 5}})
    eventually(lambda: "5/5 ready" in stack.page(), what="the scale-up to 5")
    shell(
        stack.facade_env,
        "from playground import sandboxes; from playground.models import Sandbox; s = Sandbox.objects.get(); "
        "sandboxes.change(s.owner, s.public_id, lambda c: c.fail_node('worker-1'), 'fail')",
    )
    eventually(lambda: "NotReady" in stack.page(), what="worker-1 NotReady")
    client.CoreV1Api(stack.api).delete_namespaced_service("yelb-ui", "default")
    eventually(lambda: "Service yelb-ui" not in stack.page(), what="the Service's deletion")


def test_it_survives_the_api_going_away_and_relists_after_expired(stack):
    eventually(lambda: ">synced<" in stack.page(), what="synced")
    port = int(stack.facade_url.rsplit(":", 1)[1])
    stop(stack.facade)
    eventually(lambda: ">reconnecting<" in stack.page(), what="the outage to show")
    # Meanwhile the cluster moves on, by more than the facade keeps for watches (200 changes).
    shell(
        stack.facade_env,
        "from playground import sandboxes; from playground.models import Sandbox; s = Sandbox.objects.get()\n"
        "for n in (12, 1, 12, 1, 4):\n"
        "    sandboxes.change(s.owner, s.public_id, lambda c, n=n: (c.scale('Deployment', 'yelb-appserver', n), c.settle()), 'scale')",
    )
    stack.facade, _ = start_gunicorn(stack.facade_env, stack.facade_dir, GTHREAD, port=port)
    eventually(
        lambda: "4/4 ready" in stack.page() and ">synced<" in stack.page(), timeout=60, what="the relist"
    )
    with sqlite3.connect(stack.db) as db:
        progress = db.execute("select progress from playground_mirroredcluster").fetchone()[0]
    assert '"relists": ' in progress  # a watch from before the outage was too old: 410, relist


def test_it_stops_cleanly_and_says_so(stack):
    stack.mirror.terminate()
    assert stack.mirror.wait(30) == 0
    output = Path(stack.log).read_text()
    assert (
        f"mirroring {stack.context}" in output
        and "synced in" in output
        and output.rstrip().endswith("stopped")
    )
    assert ">stopped<" in stack.page()
    assert "token" not in output.lower()
