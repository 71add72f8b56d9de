"""Prove every pair's example: apply it to a fresh sandbox cluster through the engine and
advance simulated time until it reaches the state the pair declares (`expect`).

A sandbox here is built as `playground.sandboxes` builds one (`Cluster.new(profile)`, then
`apply`), without Django or a database. Nothing here writes anything.
"""

from __future__ import annotations

from concepts.catalogue import ContentError, Pair
from playground.engine import ApiError, Cluster
from playground.engine.podstatus import condition, pod_ready, pod_status_text

WORKLOAD_KINDS = {"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"}
STEPS = 120  # checks per example over its `within` window
MIN_STEP = 5  # simulated seconds between two checks, at least


def check_examples(pairs) -> int:
    """Run every pair's example; raise ContentError naming the first that misses its state."""
    for pair in pairs:
        check_example(pair)
    return len(pairs)


def check_example(pair: Pair) -> None:
    where = f"{pair.source}: pair {pair.slug!r}: expect"
    expect = pair.expect
    makes_pods = any(doc["kind"] in WORKLOAD_KINDS for doc in pair.manifest_documents)
    if expect.state == "Created" and makes_pods:
        raise ContentError(
            f"{where}: the example makes pods, so 'Created' says too little: declare the state "
            "they reach (Running, Complete, Unschedulable, ...)"
        )
    cluster = Cluster.new(expect.profile, seed=1)
    before = {_uid(obj) for kind in ("Pod", "PersistentVolumeClaim", "Job") for obj in cluster.list(kind)}
    try:
        cluster.apply(pair.manifest)
    except ApiError as error:
        if expect.state == "Unsupported":
            return
        raise ContentError(
            f"{where}: the sandbox ({expect.profile} profile) refused the example: {error}"
        ) from None
    if expect.state == "Unsupported":
        raise ContentError(
            f"{where}: declared Unsupported ({expect.note}), but the engine now accepts the "
            "example: declare the state it reaches"
        )
    step = max(MIN_STEP, expect.within / STEPS)
    elapsed = 0.0
    while True:
        reached, detail = _reached(cluster, pair, before)
        if reached:
            return
        if elapsed >= expect.within:
            raise ContentError(
                f"{where}: expected {expect.state} within {expect.within} s of simulated time "
                f"in a fresh {expect.profile} sandbox, but {detail}"
            )
        cluster.advance(step)
        elapsed += step


def _uid(obj: dict) -> str:
    return obj["metadata"]["uid"]


def _made(cluster: Cluster, kind: str, before: set[str]) -> list[dict]:
    return [obj for obj in cluster.list(kind) if _uid(obj) not in before]


def _reached(cluster: Cluster, pair: Pair, before: set[str]) -> tuple[bool, str]:
    """Whether the example is in its declared state now and, when not, why not."""
    state = pair.expect.state
    missing = _missing_objects(cluster, pair)
    if missing:
        return False, f"{', '.join(missing)} do(es) not exist"
    pods = _made(cluster, "Pod", before)
    claims = _made(cluster, "PersistentVolumeClaim", before)
    jobs = _made(cluster, "Job", before)
    if state == "Created":
        return (not pods, f"it made pods: {_describe_pods(pods)}")
    if state == "Running":
        return _all_running(cluster, pair, pods, claims)
    if state == "Bound":
        if not claims:
            return False, "it made no PersistentVolumeClaim"
        unbound = [c for c in claims if c.get("status", {}).get("phase") != "Bound"]
        if unbound:
            return False, "; ".join(
                f"claim {c['metadata']['name']} is {c.get('status', {}).get('phase', 'Pending')}"
                for c in unbound
            )
        return _all_running(cluster, pair, pods, claims) if pods else (True, "")
    if state == "Complete":
        if not jobs:
            return False, "it made no Job yet"
        pending = [j for j in jobs if not _condition_true(j, "Complete")]
        if pending:
            return False, "; ".join(f"job {j['metadata']['name']} is not Complete" for j in pending)
        return True, ""
    if state == "Provisioned":
        return _provisioned(cluster, pair)
    if not pods:
        return False, "it made no pods"
    if state == "Unschedulable":
        ok = all((condition(pod, "PodScheduled") or {}).get("reason") == "Unschedulable" for pod in pods)
        return ok, f"its pods are {_describe_pods(pods)}"
    ok = all(pod_status_text(pod) == state for pod in pods)
    return ok, f"its pods are {_describe_pods(pods)}"


def _provisioned(cluster: Cluster, pair: Pair) -> tuple[bool, str]:
    """VM Service VMs in their power state (on: with an address), Clusters Provisioned and Ready."""
    problems, found = [], 0
    for doc in pair.manifest_documents:
        obj = _find(cluster, doc)
        status = (obj or {}).get("status") or {}
        if doc["kind"] == "VirtualMachine":
            found += 1
            wanted = doc.get("spec", {}).get("powerState") or "PoweredOn"
            ip = (status.get("network") or {}).get("primaryIP4")
            if status.get("powerState") != wanted or (wanted == "PoweredOn" and not ip):
                problems.append(
                    f"VirtualMachine {doc['metadata']['name']} is {status.get('powerState', 'not created')}"
                )
        elif doc["kind"] == "Cluster":
            found += 1
            if status.get("phase") != "Provisioned" or not _condition_true(obj, "Ready"):
                problems.append(f"Cluster {doc['metadata']['name']} is {status.get('phase', 'Pending')}")
    if not found:
        return False, "it makes no VirtualMachine or Cluster"
    return not problems, "; ".join(problems)


def _condition_true(obj: dict, kind: str) -> bool:
    return (condition(obj, kind) or {}).get("status") == "True"


def _namespace(cluster: Cluster, doc: dict) -> str | None:
    strategy = cluster.api.registry.get(doc["kind"])
    if strategy is not None and not strategy.namespaced:
        return None
    return doc["metadata"].get("namespace") or "default"


def _find(cluster: Cluster, doc: dict) -> dict | None:
    namespace = _namespace(cluster, doc)
    name = doc["metadata"]["name"]
    for obj in cluster.list(doc["kind"], namespace=namespace):
        if obj["metadata"]["name"] == name:
            return obj
    return None


def _missing_objects(cluster: Cluster, pair: Pair) -> list[str]:
    return [
        f"{doc['kind']} {doc['metadata']['name']}"
        for doc in pair.manifest_documents
        if _find(cluster, doc) is None
    ]


def _all_running(cluster: Cluster, pair: Pair, pods: list[dict], claims: list[dict]) -> tuple[bool, str]:
    if not pods:
        return False, "it made no pods"
    problems = []
    not_running = [p for p in pods if p.get("status", {}).get("phase") != "Running" or not pod_ready(p)]
    if not_running:
        problems.append(f"pods not Running and Ready: {_describe_pods(not_running)}")
    for claim in claims:
        phase = claim.get("status", {}).get("phase", "Pending")
        if phase != "Bound":
            problems.append(f"claim {claim['metadata']['name']} is {phase}")
    for doc in pair.manifest_documents:
        obj = _find(cluster, doc)
        if obj is None:
            continue
        problem = _workload_problem(cluster, obj)
        if problem:
            problems.append(problem)
    return (not problems, "; ".join(problems))


def _workload_problem(cluster: Cluster, obj: dict) -> str:
    kind, name = obj["kind"], obj["metadata"]["name"]
    status = obj.get("status") or {}
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        wanted = obj["spec"].get("replicas", 1)
        ready = status.get("readyReplicas", 0)
        return "" if ready == wanted else f"{kind} {name} has {ready}/{wanted} replicas ready"
    if kind == "DaemonSet":
        wanted, ready = status.get("desiredNumberScheduled", 0), status.get("numberReady", 0)
        return "" if wanted and ready == wanted else f"DaemonSet {name} has {ready}/{wanted} pods ready"
    if kind == "Service" and obj["spec"].get("selector"):
        namespace = obj["metadata"]["namespace"]
        ready = [
            endpoint
            for eps in cluster.list("EndpointSlice", namespace=namespace)
            if (eps["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name
            for endpoint in eps.get("endpoints") or []
            if (endpoint.get("conditions") or {}).get("ready")
        ]
        return "" if ready else f"Service {name} has no ready endpoints"
    return ""


def _describe_pods(pods: list[dict]) -> str:
    parts = []
    for pod in pods:
        text = f"{pod['metadata']['name']} {pod_status_text(pod)}"
        scheduled = condition(pod, "PodScheduled") or {}
        if scheduled.get("status") == "False" and scheduled.get("message"):
            text += f" ({scheduled['message']})"
        parts.append(text)
    return ", ".join(parts)
