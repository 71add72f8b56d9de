"""Whole stories a learner plays through, end to end through the facade."""

from playground.engine import ApiError, Cluster

from .conftest import deployment


def ready_replicas(cluster, name, namespace="default"):
    return cluster.get("deploy", name, namespace).get("status", {}).get("readyReplicas", 0)


def test_the_restaurant_rating_app_applied_scaled_rolled_and_rolled_back(restaurant):
    cluster = Cluster.new()
    results = cluster.apply(restaurant)
    assert [(r["kind"], r["name"], r["action"]) for r in results] == [
        ("Deployment", "yelb-ui", "created"),
        ("Deployment", "yelb-appserver", "created"),
        ("Deployment", "yelb-db", "created"),
        ("Deployment", "redis-server", "created"),
    ]
    cluster.settle()
    assert {
        n: ready_replicas(cluster, n) for n in ("yelb-ui", "yelb-appserver", "yelb-db", "redis-server")
    } == {"yelb-ui": 3, "yelb-appserver": 1, "yelb-db": 1, "redis-server": 1}
    cluster.scale("deployment", "yelb-ui", 5)
    cluster.settle()
    assert ready_replicas(cluster, "yelb-ui") == 5
    cluster.set_image("deployment", "yelb-ui", {"yelb-ui": "harbor.corp.local/library/restreview-ui:V2"})
    cluster.settle()
    images = {
        p["spec"]["containers"][0]["image"]
        for p in cluster.list("pods", namespace="default", label_selector="app=yelb-ui")
    }
    assert images == {"harbor.corp.local/library/restreview-ui:V2"}
    assert (
        cluster.get("deploy", "yelb-ui")["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        == "2"
    )
    cluster.rollout_undo("deployment", "yelb-ui")
    cluster.settle()
    images = {
        p["spec"]["containers"][0]["image"]
        for p in cluster.list("pods", namespace="default", label_selector="app=yelb-ui")
    }
    assert images == {"harbor.corp.local/library/restreview-ui:V1"}
    assert ready_replicas(cluster, "yelb-ui") == 5


def test_a_worker_fails_under_three_replicas_spread_with_anti_affinity():
    cluster = Cluster.new()
    anti = """
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname"""
    cluster.apply(deployment(pod_extra=anti))
    cluster.settle()
    cluster.fail_node("worker-3")
    cluster.advance(400)
    # No fourth host: the replacement waits, and says why.
    pending = [p for p in cluster.list("pods", namespace="default") if not p["spec"].get("nodeName")]
    assert len(pending) == 1
    message = [c for c in pending[0]["status"]["conditions"] if c["type"] == "PodScheduled"][0]["message"]
    assert "2 node(s) didn't match pod anti-affinity rules" in message
    assert "1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }" in message
    assert ready_replicas(cluster, "web") == 2
    cluster.add_node("worker-4")
    cluster.settle()
    assert ready_replicas(cluster, "web") == 3


def test_a_drain_blocked_by_a_disruption_budget():
    cluster = Cluster.new()
    cluster.apply(deployment())
    cluster.apply(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {maxUnavailable: 0, selector: {matchLabels: {app: web}}}\n"
    )
    cluster.settle()
    result = cluster.drain("worker-2", ignore_daemonsets=True)
    assert not result["drained"] and len(result["blocked"]) == 1
    assert ready_replicas(cluster, "web") == 3


def test_a_namespace_with_a_quota_rejects_a_pod():
    cluster = Cluster.new()
    cluster.apply(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: pool}\n---\n"
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: pool-quota, namespace: pool}\nspec: {hard: {requests.cpu: 500m}}\n"
    )
    try:
        cluster.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "greedy", "namespace": "pool"},
                "spec": {
                    "containers": [
                        {"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "1"}}}
                    ]
                },
            }
        )
    except ApiError as error:
        assert error.code == 403
        assert error.message == (
            'pods "greedy" is forbidden: exceeded quota: pool-quota, requested: requests.cpu=1, '
            "used: requests.cpu=0, limited: requests.cpu=500m"
        )
    else:
        raise AssertionError("the quota did not reject the pod")


def test_a_pod_pending_for_lack_of_cpu_until_a_node_is_added():
    cluster = Cluster.new()
    cluster.apply(deployment(replicas=4, cpu="3"))
    cluster.settle()
    assert ready_replicas(cluster, "web") == 3
    cluster.add_node("worker-4")
    cluster.settle()
    assert ready_replicas(cluster, "web") == 4
