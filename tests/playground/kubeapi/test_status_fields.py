"""Create responses carry the status fields upstream always serialises (issue 15, §3a).

Upstream's strategies reset status on create (PrepareForCreate: ``rs.Status =
apps.ReplicaSetStatus{}`` in pkg/registry/apps/replicaset/strategy.go, and likewise for
StatefulSet, DaemonSet, HorizontalPodAutoscaler and PodDisruptionBudget), and the zero
status is encoded with the fields whose json tags have no ``omitempty``
(staging/src/k8s.io/api/apps/v1/types.go: ``Replicas int32 `json:"replicas"```). The
official Python client's models require those fields, so a create that succeeded must
carry them or the client raises while reading the reply.
"""

import pytest
from kubernetes import client, config

from playground.engine import Cluster

TEMPLATE = {
    "metadata": {"labels": {"app": "x"}},
    "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], "nodeSelector": {"nowhere": "x"}},
}
SELECTOR = {"matchLabels": {"app": "x"}}


def _objects():
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "rs"},
            "spec": {"replicas": 1, "selector": SELECTOR, "template": TEMPLATE},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "ss"},
            "spec": {"replicas": 1, "serviceName": "ss", "selector": SELECTOR, "template": TEMPLATE},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "ds"},
            "spec": {"selector": SELECTOR, "template": TEMPLATE},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"replicas": 1, "selector": SELECTOR, "template": TEMPLATE},
        },
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "h"},
            "spec": {
                "maxReplicas": 3,
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "p"},
            "spec": {"minAvailable": 1, "selector": SELECTOR},
        },
    ]


# What kube-apiserver answers to each create: the zero status, its non-omitempty fields.
EXPECTED = {
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
    "DaemonSet": {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
    "Deployment": {},
    # autoscaling/v2: currentMetrics has no omitempty (a nil list is null), currentReplicas has.
    "HorizontalPodAutoscaler": {"currentMetrics": None, "desiredReplicas": 0},
    "PodDisruptionBudget": {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    },
}


def test_the_engine_creates_each_kind_with_upstreams_zero_status():
    """PrepareForCreate then encoding: each kind's zero status as kube-apiserver writes it."""
    cluster = Cluster.new("default", seed=1)
    for obj in _objects():
        created = cluster.api.create(obj, "default")
        assert created["status"] == EXPECTED[obj["kind"]], obj["kind"]


@pytest.fixture
def api(api_server):
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(api_server.sandbox()), client_configuration=configuration)
    with client.ApiClient(configuration) as api_client:
        yield api_client


def test_the_official_python_client_reads_every_create_reply(api):
    """Typed creates through the official client (its models require ReplicaSetStatus.replicas,
    the DaemonSet's four counters and the v2 HPA's desiredReplicas) do not raise, and a
    replace (update) reply is read the same way."""
    apps, autoscaling = client.AppsV1Api(api), client.AutoscalingV2Api(api)
    policy = client.PolicyV1Api(api)
    rs, ss, ds, deploy, hpa, pdb = _objects()
    made_rs = apps.create_namespaced_replica_set("default", rs)
    assert made_rs.status.replicas == 0
    assert apps.create_namespaced_stateful_set("default", ss).status.replicas == 0
    made_ds = apps.create_namespaced_daemon_set("default", ds)
    assert (made_ds.status.desired_number_scheduled, made_ds.status.number_ready) == (0, 0)
    assert apps.create_namespaced_deployment("default", deploy).metadata.name == "d"
    assert (
        autoscaling.create_namespaced_horizontal_pod_autoscaler("default", hpa).status.desired_replicas == 0
    )
    assert policy.create_namespaced_pod_disruption_budget("default", pdb).status.expected_pods == 0
    current = apps.read_namespaced_replica_set("rs", "default")
    current.metadata.labels = {"tier": "web"}
    replaced = apps.replace_namespaced_replica_set("rs", "default", current)
    assert replaced.metadata.labels == {"tier": "web"} and replaced.status.replicas is not None
