"""playground.changes: listeners hear each saved change once, inside its transaction."""

import pytest
from django.db import connection

from playground import changes, sandboxes

pytestmark = pytest.mark.django_db

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}}


@pytest.fixture
def heard():
    calls = []

    def listener(pk, version, _delta):
        calls.append((pk, version, connection.in_atomic_block))

    changes.listen(listener)
    yield calls
    changes._listeners.remove(listener)


def test_each_saved_change_is_heard_once_with_its_new_version(heard):
    sandbox = sandboxes.create("owner", "heard", capped=False)
    heard.clear()
    sandbox, _cluster, _ = sandboxes.change(
        sandbox.owner, sandbox.public_id, lambda c: c.apply([CONFIGMAP]), "cm"
    )
    assert heard == [(sandbox.pk, sandbox.version, True)]


def test_a_listener_that_fails_undoes_the_change():
    sandbox = sandboxes.create("owner", "undone", capped=False)

    def refuse(_pk, _version, _delta):
        raise RuntimeError("listener failed")

    changes.listen(refuse)
    try:
        with pytest.raises(RuntimeError):
            sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.apply([CONFIGMAP]), "cm")
    finally:
        changes._listeners.remove(refuse)
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert not [c for c in cluster.list("configmaps", namespace="default") if c["metadata"]["name"] == "c"]
