"""Random operator sequences always settle into a sane, serialisable cluster."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.engine import ApiError, Cluster
from playground.engine.resources import pod_resources

from .conftest import deployment

NAMES = ["alpha", "beta", "gamma"]
WORKERS = ["worker-1", "worker-2", "worker-3"]

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("apply"),
            st.sampled_from(NAMES),
            st.integers(0, 5),
            st.sampled_from(["100m", "500m", "1"]),
        ),
        st.tuples(st.just("scale"), st.sampled_from(NAMES), st.integers(0, 6)),
        st.tuples(st.just("delete"), st.sampled_from(NAMES)),
        st.tuples(st.just("fail"), st.sampled_from(WORKERS)),
        st.tuples(st.just("recover"), st.sampled_from(WORKERS)),
        st.tuples(st.just("advance"), st.integers(1, 400)),
    ),
    max_size=10,
)


def run(cluster, op):
    kind = op[0]
    try:
        if kind == "apply":
            cluster.apply(deployment(name=op[1], replicas=op[2], cpu=op[3]))
        elif kind == "scale":
            cluster.scale("deployment", op[1], op[2], namespace="default")
        elif kind == "delete":
            cluster.delete("deployment", op[1], namespace="default")
        elif kind == "fail":
            cluster.fail_node(op[1])
        elif kind == "recover":
            cluster.recover_node(op[1])
        elif kind == "advance":
            cluster.advance(op[1])
    except ApiError as error:
        assert error.code in (404, 409, 422)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_random_operations_settle_into_a_consistent_cluster(ops):
    cluster = Cluster.new(seed=3)
    for op in ops:
        run(cluster, op)
    for name in WORKERS:
        cluster.recover_node(name)
    cluster.settle(timeout=900)

    nodes = {n["metadata"]["name"]: n for n in cluster.list("nodes")}
    # No node is over-committed.
    for name, node in nodes.items():
        allocatable_cpu = int(node["status"]["allocatable"]["cpu"]) * 1000
        used = sum(
            pod_resources(p).get("cpu", 0)
            for p in cluster.list("pods", field_selector=f"spec.nodeName={name}")
            if p["status"].get("phase") not in ("Succeeded", "Failed")
        )
        assert used <= allocatable_cpu
    # Every Deployment has its ready replicas on healthy capacity, or says why not.
    for d in cluster.list("deployments", namespace="default"):
        want = d["spec"]["replicas"]
        ready = d.get("status", {}).get("readyReplicas", 0)
        if ready != want:
            pending = [
                p
                for p in cluster.list(
                    "pods", namespace="default", label_selector=f"app={d['metadata']['name']}"
                )
                if not p["spec"].get("nodeName")
            ]
            reasons = [
                c.get("message", "")
                for p in pending
                for c in p["status"].get("conditions", [])
                if c["type"] == "PodScheduled"
            ]
            assert pending and all("Insufficient cpu" in r for r in reasons), (
                d["metadata"]["name"],
                want,
                ready,
                reasons,
            )
    # The state round-trips exactly.
    data = cluster.to_dict()
    assert json.dumps(
        Cluster.from_dict(json.loads(json.dumps(data))).to_dict(), sort_keys=True
    ) == json.dumps(data, sort_keys=True)
