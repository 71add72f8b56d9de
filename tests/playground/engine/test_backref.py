"""A loaded cluster forms no reference cycle: it is freed by reference counting the
moment its last user lets go, not by the cyclic collector's full passes (which paused a
watch feed's process for hundreds of milliseconds every second or two)."""

import gc
import weakref

import pytest

from playground import sandboxes
from playground.engine.backref import ClusterRef, weakly


@pytest.fixture(autouse=True)
def collector_off():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_cluster_that_ran_is_freed_without_the_cyclic_collector():
    cluster = sandboxes.build("default", 7)
    cluster.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                },
            },
        }
    )
    cluster.settle()
    assert len(list(cluster.store.iter("Pod", "default"))) == 3
    gone, api = weakref.ref(cluster), weakref.ref(cluster.api)
    plugins = [weakref.ref(p) for f in cluster.scheduler.frameworks.values() for p in f.by_name.values()]
    del cluster
    assert gone() is None and api() is None
    assert all(p() is None for p in plugins)


def test_a_restored_state_is_freed_the_same_way():
    cluster = sandboxes.restore(sandboxes._pack(sandboxes.build("default", 3, None))[0])
    gone = weakref.ref(cluster)
    del cluster
    assert gone() is None


def test_a_component_reads_its_cluster_while_it_lives_and_none_after():
    class Component:
        cluster = ClusterRef()

    class Owner:
        def hello(self, calls):
            calls.append("called")

    owner, component, calls = Owner(), Component(), []
    component.cluster = owner
    call = weakly(owner.hello)
    assert component.cluster is owner
    call(calls)
    del owner
    assert component.cluster is None
    call(calls)  # a call after the owner is gone does nothing
    assert calls == ["called"]
