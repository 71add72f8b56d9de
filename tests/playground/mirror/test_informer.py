"""The informer against a loopback API: list, watch, bookmarks, 410, reconnects, CRDs."""

import threading

import pytest

from playground.mirror.informer import BUILTIN, CRDS, Backoff, Mirror, Reflector, Resource, custom_resource
from tests.playground.mirror.conftest import MemorySink, read_only_client, wait_for

PODS = next(r for r in BUILTIN if r.key == "pods")


def reflector(fake, resource=PODS, sink=None, resume_from=None, **options):
    sink = sink or MemorySink()
    stop = threading.Event()
    r = Reflector(
        read_only_client(fake.url),
        resource,
        sink,
        stop,
        watch_seconds=5,
        backoff=Backoff(0.05, 0.2),
        **options,
    )
    r.resource_version = resume_from
    thread = threading.Thread(target=r.run, daemon=True)
    thread.start()
    return r, sink, thread


def watching(fake, path, count=1):
    return wait_for(lambda: len(fake.watchers.get(path, [])) >= count, message=f"a watch on {path}")


def test_lists_in_pages_reporting_progress_then_watches_from_the_lists_version(fake):
    r, sink, thread = reflector(fake, page=3)
    watching(fake, PODS.path)
    lists = fake.requests_to(PODS.path, watch=False)
    assert [q.get("limit") for q in lists] == ["3", "3", "3"]  # 8 recorded pods
    assert "continue" not in lists[0] and lists[1]["continue"]
    progress = [entry for entry in sink.listed["pods"] if entry[0] == "listing"]
    assert progress[1:] == [("listing", 3, 5), ("listing", 6, 2), ("listing", 8, None)]
    watch = fake.requests_to(PODS.path, watch=True)[0]
    assert watch["resourceVersion"] == "2101" and watch["allowWatchBookmarks"] == "true"
    etcd = sink.get("pods", "kube-system", "etcd-kind-control-plane")
    assert etcd["kind"] == "Pod" and etcd["apiVersion"] == "v1"  # list items carry neither
    assert etcd["metadata"]["ownerReferences"][0]["kind"] == "Node"
    r.halt()
    thread.join(5)
    assert not thread.is_alive()


def test_follows_added_modified_deleted_and_moves_on_with_bookmarks(fake):
    r, sink, thread = reflector(fake)
    watching(fake, PODS.path)
    pod = sink.get("pods", "shop", "web-6d4cf56db6-2lq7f")
    moved = {**pod, "status": {**pod["status"], "phase": "Failed"}}
    fake.change(PODS.path, "MODIFIED", moved)
    wait_for(lambda: sink.get("pods", "shop", "web-6d4cf56db6-2lq7f")["status"]["phase"] == "Failed")
    fake.change(PODS.path, "DELETED", moved)
    wait_for(lambda: sink.get("pods", "shop", "web-6d4cf56db6-2lq7f") is None, message="the delete")
    new = {**pod, "metadata": {**pod["metadata"], "name": "web-6d4cf56db6-new01"}}
    fake.change(PODS.path, "ADDED", new)
    wait_for(lambda: sink.get("pods", "shop", "web-6d4cf56db6-new01"), message="the add")
    mark = fake.bookmark(PODS.path)
    wait_for(lambda: r.resource_version == mark, message="the bookmark's resourceVersion")
    # The watch ends (timeoutSeconds); the next one starts from the bookmark, no relist.
    fake.drop_watches()
    wait_for(lambda: len(fake.requests_to(PODS.path, watch=True)) >= 2, message="a second watch")
    assert fake.requests_to(PODS.path, watch=True)[-1]["resourceVersion"] == mark
    assert r.lists == 1
    r.halt()
    thread.join(5)


def test_expired_watch_relists_and_drops_what_vanished_meanwhile(fake):
    r, sink, thread = reflector(fake)
    watching(fake, PODS.path)
    # Deleted while nobody was watching: only a relist can find out.
    with fake.lock:
        del fake.lists[PODS.path]["items"][("kube-system", "kindnet-q8w5m")]
    fake.expire(PODS.path)
    wait_for(lambda: r.lists == 2, message="a relist after 410 Expired")
    wait_for(lambda: sink.get("pods", "kube-system", "kindnet-q8w5m") is None, message="the vanished pod")
    assert "relisting" in [s for s, *_ in sink.listed["pods"]]
    assert sink.get("pods", "kube-system", "etcd-kind-control-plane")
    r.halt()
    thread.join(5)


def test_watch_from_a_compacted_version_gets_410_and_relists(fake):
    sink = MemorySink()
    r, sink, thread = reflector(fake, sink=sink)
    watching(fake, PODS.path)
    r.halt()
    thread.join(5)
    fake.compacted = fake.revision
    # Resume from where an earlier process stopped: history since then is gone.
    r2, _, thread2 = reflector(fake, sink=sink, resume_from="2050")
    wait_for(lambda: r2.lists == 1, message="a list after the watch was refused")
    watching(fake, PODS.path)
    first, second = fake.requests_to(PODS.path, watch=True)[-2:]
    assert first["resourceVersion"] == "2050" and int(second["resourceVersion"]) >= fake.compacted
    r2.halt()
    thread2.join(5)


def test_survives_the_api_going_away_and_coming_back(fake):
    r, sink, thread = reflector(fake)
    watching(fake, PODS.path)
    port = fake.port
    fake.stop()
    wait_for(lambda: sink.problems, message="the outage reported")
    assert sink.states["pods"] == "reconnecting"
    fake.start(port)
    watching(fake, PODS.path)
    pod = sink.get("pods", "shop", "web-6d4cf56db6-2lq7f")
    fake.change(
        PODS.path,
        "MODIFIED",
        {**pod, "metadata": {**pod["metadata"], "labels": {"app": "web", "tier": "front"}}},
    )
    wait_for(
        lambda: sink.get("pods", "shop", "web-6d4cf56db6-2lq7f")["metadata"]["labels"].get("tier") == "front"
    )
    assert sink.states["pods"] == "watching"
    r.halt()
    thread.join(5)


def test_backoff_grows_to_its_ceiling_with_jitter():
    backoff = Backoff(0.5, 4)
    waits = [backoff.next() for _ in range(6)]
    assert 0.4 <= waits[0] <= 0.6 and 3.2 <= waits[-1] <= 4.8
    assert waits[2] > waits[0]
    backoff.reset()
    assert backoff.next() <= 0.6


def test_a_resource_the_cluster_does_not_serve_is_reported_not_retried(fake):
    ghost = Resource("example.com", "v1", "ghosts", "Ghost", True)
    r, sink, thread = reflector(fake, ghost)
    thread.join(5)
    assert not thread.is_alive() and sink.states["ghosts.example.com"] == "not served"


def test_custom_resources_are_found_through_crds_and_listed_generically(fake):
    sink = MemorySink()
    mirror = Mirror(read_only_client(fake.url), sink, watch_seconds=5, heartbeat=0.2)
    mirror.start()
    try:
        wait_for(
            lambda: sink.get("certificates.cert-manager.io", "shop", "web-tls"), message="the custom resource"
        )
        cert = sink.get("certificates.cert-manager.io", "shop", "web-tls")
        assert cert["kind"] == "Certificate" and cert["spec"]["dnsNames"] == ["shop.example.com"]
        wait_for(lambda: sink.heard_count > 30, message="heartbeats")
        crd = sink.get(CRDS.key, "", "certificates.cert-manager.io")
        watching(fake, CRDS.path)
        fake.change(CRDS.path, "DELETED", crd)
        wait_for(
            lambda: sink.states.get("certificates.cert-manager.io") == "removed", message="the CRD's removal"
        )
        assert sink.get("certificates.cert-manager.io", "shop", "web-tls") is None
    finally:
        mirror.close()
    assert not any(t.is_alive() for t in mirror.threads.values())


@pytest.mark.parametrize(
    ("versions", "chosen"),
    [
        ([{"name": "v1beta1", "served": True}, {"name": "v1", "served": True, "storage": True}], "v1"),
        ([{"name": "v1", "served": False, "storage": True}, {"name": "v2", "served": True}], "v2"),
    ],
)
def test_custom_resource_version_is_the_served_storage_version(versions, chosen):
    crd = {
        "spec": {
            "group": "x.io",
            "names": {"plural": "things", "kind": "Thing"},
            "scope": "Cluster",
            "versions": versions,
        }
    }
    resource = custom_resource(crd)
    assert (
        resource.version == chosen
        and resource.path == f"/apis/x.io/{chosen}/things"
        and not resource.namespaced
    )


def test_an_unexpected_error_is_reported_and_retried_not_fatal(fake):
    class Flaky(MemorySink):
        failures = 1

        def upsert(self, resource, objects):
            if self.failures:
                self.failures -= 1
                raise RuntimeError("disk full")
            super().upsert(resource, objects)

    sink = Flaky()
    r, sink, thread = reflector(fake, sink=sink)
    wait_for(
        lambda: "failed: disk full" in [s for s, *_ in sink.listed["pods"]], message="the failure reported"
    )
    watching(fake, PODS.path)
    assert sink.get("pods", "kube-system", "etcd-kind-control-plane") and thread.is_alive()
    r.halt()
    thread.join(5)
