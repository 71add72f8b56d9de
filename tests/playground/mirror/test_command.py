"""The whole thing as it runs: `manage.py mirror` as its own process, following a
sandbox served by this app's API facade (written to through the official client),
into the database a separate web server reads; through an outage and a relist."""

import sqlite3
from pathlib import Path

from kubernetes import client

from tests.playground.mirror.stack import GTHREAD, eventually, shell, stack_fixture  # noqa: F401
from tests.servers import start_gunicorn, stop


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

    def progress():
        with sqlite3.connect(stack.db) as db:
            return db.execute("select progress from playground_mirroredcluster").fetchone()[0]

    # A watch from before the outage was too old: 410, relist, counted per resource.
    eventually(lambda: '"relists": ' in progress(), what="the relist counted")


# a watch from before the outage was too old: 410, relist


def test_it_stops_cleanly_and_says_so(stack):
    # pytest-xdist may run this test first on a fresh stack: it says it synced, then stops.
    eventually(lambda: "synced in" in Path(stack.log).read_text(), timeout=60, what="the mirror's first sync")
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
