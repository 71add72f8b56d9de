"""The scheduler's room index (an engine shortcut) must not change a single decision.

Upstream's Filter phase (pkg/scheduler/schedule_one.go, findNodesThatPassFilters with
numFeasibleNodesToFind and nextStartNodeIndex) walks the nodes round-robin from where the
last attempt stopped and keeps the first feasible ones. The engine skips the look at
nodes that certainly fit (no taints, not cordoned, room left for the pod's requests);
these tests run the same busy cluster with and without the shortcut and compare every
decision: the node, the nodes evaluated, the feasible count, the failure messages, and
where the next round-robin walk starts.
"""

import pytest

from playground.engine import Cluster
from playground.engine.scheduler import Scheduler

SIZES = [("100m", "128Mi"), ("500m", "1Gi"), ("1", "2Gi"), (None, None), ("250m", None), ("2", "6Gi")]
DB_TOLERATION = {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}


def make_pod(i: int) -> dict:
    cpu, mem = SIZES[(i * 7) % len(SIZES)]
    requests = {k: v for k, v in (("cpu", cpu), ("memory", mem)) if v}
    spec = {
        "containers": [
            {
                "name": "c",
                "image": "nginx:1.27" if i % 5 == 0 else "registry.k8s.io/pause:3.10",
                "resources": {"requests": requests} if requests else {},
            }
        ]
    }
    if i % 11 == 0:
        spec["tolerations"] = [DB_TOLERATION]
    if i % 23 == 0:
        spec["nodeSelector"] = {"size": "big"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"p-{i}", "namespace": "default"},
        "spec": spec,
    }


def busy_cluster_decisions(monkeypatch, shortcut: bool) -> tuple[list, dict, int]:
    if not shortcut:
        monkeypatch.setattr(Scheduler, "_fit_room", lambda self, cpu, mem: False)
    cluster = Cluster.new(
        workers=110, system_pods=False, worker_cpu="2", worker_memory="8Gi", worker_pods="8", seed=7
    )
    for j in range(6):
        cluster.add_node(name=f"big-{j}", cpu="8", memory="32Gi", pods="30", labels={"size": "big"})
    for j in range(4):
        cluster.add_node(name=f"db-{j}", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    cluster.add_node(name="soft-0", taints=[{"key": "soft", "value": "x", "effect": "PreferNoSchedule"}])
    cluster.settle()
    cluster.cordon("worker-5")
    cluster.cordon("worker-60")
    log = []
    decisions = {}

    def keep_decisions():
        # The scheduler keeps its latest decisions; gather them as the scenario goes.
        for key, d in cluster.scheduler.decisions.items():
            decisions[key, d["time"]] = (d["node"], d["nodesEvaluated"], d["feasible"], d["message"])

    made = 0
    for round_ in range(3):
        for _ in range(260):
            cluster.api.create(make_pod(made))
            made += 1
            if made % 40 == 0:
                cluster.settle()
                keep_decisions()
        cluster.settle()
        keep_decisions()
        # Free some room: the index must follow pods leaving nodes too.
        for n in range(round_, made, 7):
            if cluster.store.get("Pod", "default", f"p-{n}") is not None:
                cluster.api.delete("Pod", f"p-{n}", "default")
        cluster.settle()
        if round_ == 1:
            cluster.uncordon("worker-5")
            cluster.settle()
        log.append(
            sorted((p["metadata"]["name"], p["spec"].get("nodeName")) for p in cluster.store.iter("Pod"))
        )
    assert cluster.store.count("Node") == 122
    return log, decisions, cluster.scheduler.next_start


@pytest.fixture
def without_shortcut():
    with pytest.MonkeyPatch.context() as patch:
        yield busy_cluster_decisions(patch, shortcut=False)


def test_the_room_index_places_every_pod_where_the_plain_walk_does(monkeypatch, without_shortcut):
    log, decisions, next_start = busy_cluster_decisions(monkeypatch, shortcut=True)
    expected_log, expected_decisions, expected_next_start = without_shortcut
    # The scenario is busy enough to matter: sampled walks, full nodes, and failures.
    assert len(log[-1]) > 300
    assert any(node is None for _name, node in log[-1])
    assert any(d[0] is None for d in expected_decisions.values())
    assert any(d[1] < 122 for d in expected_decisions.values())  # sampled walks (100 of 122)
    assert log == expected_log
    assert decisions == expected_decisions
    assert next_start == expected_next_start
