"""Engine benchmarks: run `.venv/bin/python benchmarks/engine.py` (see the README).

Prints figures and rewrites benchmarks/RESULTS.md's engine section with the median
of several runs. Shapes follow upstream's scheduler_perf and scalability limits:

  (a) SchedulingBasic: 5,000 nodes, 10,000 pods from creation to Running, pods/s
  (b) the largest supported cluster: 5,000 nodes, 150,000 pods Running; time, peak RSS
  (c) a learner-size cluster (4 nodes, 30 pods): from_dict + apply + settle + to_dict

With --network: 10,000 Services over 150,000 pods (upstream's limits), endpoints
after a node failure, kube-proxy rule recomputation, and trace latency.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.engine import Cluster  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def pod(i: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"pod-{i}", "namespace": "default", "labels": {"app": "bench"}},
        "spec": {
            "containers": [
                {
                    "name": "pause",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}},
                }
            ]
        },
    }


def big_cluster(nodes: int) -> Cluster:
    return Cluster.new(
        workers=nodes,
        system_pods=False,
        worker_cpu="32",
        worker_memory="256Gi",
        worker_pods="110",
        watch_history=1000,
    )


def scheduling_basic(nodes: int, pods: int) -> dict:
    cluster = big_cluster(nodes)
    for i in range(pods):
        cluster.api.create(pod(i))
    start = time.perf_counter()
    scheduled = 0
    while scheduled < pods:
        record = cluster.step()
        if record is None:
            break
        if record["action"] == "Scheduled":
            scheduled += 1
    scheduling = time.perf_counter() - start
    cluster.settle(timeout=120)
    total = time.perf_counter() - start
    running = sum(1 for p in cluster.store.iter("Pod") if p["status"].get("phase") == "Running")
    return {
        "scheduled": scheduled,
        "running": running,
        "scheduling_pods_per_s": scheduled / scheduling,
        "creation_to_running_pods_per_s": running / total,
        "seconds": total,
    }


def envelope(nodes: int, pods: int) -> dict:
    start = time.perf_counter()
    cluster = big_cluster(nodes)
    for i in range(pods):
        cluster.api.create(pod(i))
        if i % 5000 == 4999:
            cluster.settle(timeout=120)
    cluster.settle(timeout=120)
    seconds = time.perf_counter() - start
    running = sum(1 for p in cluster.store.iter("Pod") if p["status"].get("phase") == "Running")
    gc.collect()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"running": running, "seconds": seconds, "peak_rss_gib": rss / 2**30}


LEARNER_APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 100m, memory: 64Mi}}}]
"""


def learner(runs: int) -> dict:
    """from_dict, one apply, settle, to_dict on a learner-size cluster.

    The state is parsed from JSON outside the timed part (the engine takes a dict);
    what JSON costs on top, which a web request also pays, is measured apart.
    """
    base = Cluster.new()
    for i in range(6):
        base.apply(LEARNER_APP.replace("name: shop", f"name: app{i}").replace("app: shop", f"app: app{i}"))
    base.settle()
    state = json.dumps(base.to_dict())
    pods = base.store.count("Pod")
    states = [json.loads(state) for _ in range(runs)]
    manifests = [
        LEARNER_APP.replace("name: shop", f"name: app{i % 6}")
        .replace("app: shop", f"app: app{i % 6}")
        .replace("replicas: 4", f"replicas: {5 if i % 2 == 0 else 3}")
        for i in range(runs)
    ]
    timings, json_timings = [], []
    for data, manifest in zip(states, manifests, strict=True):
        start = time.perf_counter()
        cluster = Cluster.from_dict(data)
        cluster.apply(manifest)
        cluster.settle()
        saved = cluster.to_dict()
        middle = time.perf_counter()
        json.loads(json.dumps(saved))
        end = time.perf_counter()
        timings.append((middle - start) * 1000)
        json_timings.append((end - middle) * 1000)
    timings.sort()
    json_timings.sort()
    return {
        "pods": pods,
        "nodes": base.store.count("Node"),
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "json_p50_ms": statistics.median(json_timings),
        "state_kib": len(state) / 1024,
    }


def network(nodes: int, services: int, pods_per_service: int, per_namespace: int = 100) -> dict:
    """Services over pods: endpoints after creation, after a node failure, kube-proxy
    rules, and trace latency."""
    cluster = big_cluster(nodes)
    start = time.perf_counter()
    namespaces = max(services // per_namespace, 1)
    for n in range(namespaces):
        cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{n}"}})
    made = 0
    for i in range(services):
        ns = f"ns-{i // per_namespace}"
        cluster.api.create(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"svc-{i}", "namespace": ns},
                "spec": {"selector": {"svc": f"s{i}"}, "ports": [{"port": 80, "targetPort": 80}]},
            }
        )
        for _ in range(pods_per_service):
            body = pod(made)
            body["metadata"]["namespace"] = ns
            body["metadata"]["labels"] = {"svc": f"s{i}"}
            body["spec"]["containers"][0]["image"] = "nginx:1.27"
            cluster.api.create(body)
            made += 1
        if i % 200 == 199:
            cluster.settle(timeout=120)
    cluster.settle(timeout=120)
    build = time.perf_counter() - start
    ready = sum(
        1
        for es in cluster.store.iter("EndpointSlice")
        for e in es.get("endpoints") or []
        if e["conditions"].get("ready")
    )
    victim = "worker-1"
    lost = sum(1 for _ in cluster.store.pods_on(victim))
    t = time.perf_counter()
    cluster.fail_node(victim)
    cluster.advance(400)  # NotReady after 50 s, evictions at 350 s, endpoints follow
    failover = time.perf_counter() - t
    t = time.perf_counter()
    rules = cluster.proxy_rules("worker-2")
    proxy = time.perf_counter() - t
    traces = []
    for i in range(100):
        n = (i * 7) % namespaces
        client = next(iter(cluster.store.iter("Pod", f"ns-{n}")))
        s0 = time.perf_counter()
        cluster.trace(f"ns-{n}/{client['metadata']['name']}", f"svc-{n * per_namespace}:80")
        traces.append((time.perf_counter() - s0) * 1000)
    traces.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "services": services,
        "pods": made,
        "build_s": build,
        "ready_endpoints": ready,
        "pods_on_failed_node": lost,
        "failover_s": failover,
        "proxy_rules_s": proxy,
        "proxy_rules": len(rules),
        "trace_p50_ms": statistics.median(traces),
        "trace_p95_ms": traces[94],
        "peak_rss_gib": rss / 2**30,
    }


def write_network(r: dict, nodes: int) -> None:
    lines = [
        "## Network (`benchmarks/engine.py --network`)",
        "",
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d}. One run (peak RSS is per process).",
        "",
        "| Figure | Measured |",
        "| --- | --- |",
        f"| {r['services']:,} Services over {r['pods']:,} pods on {nodes:,} nodes: build until all endpoints are ready | {r['build_s']:.0f} s ({r['ready_endpoints']:,} ready endpoints) |",
        f"| A node fails ({r['pods_on_failed_node']} pods on it): 400 simulated s of NotReady, evictions, replacements, endpoint updates | {r['failover_s']:.1f} s |",
        f"| kube-proxy rules for one node, recomputed from the endpoints | {r['proxy_rules_s'] * 1000:.0f} ms ({r['proxy_rules']:,} rules) |",
        f"| `trace` pod -> service by name, p50 / p95 | {r['trace_p50_ms']:.1f} ms / {r['trace_p95_ms']:.1f} ms |",
        f"| Peak RSS | {r['peak_rss_gib']:.2f} GiB |",
        "",
    ]
    write_section("## Network (", "\n".join(lines))


def write_section(heading: str, section: str) -> None:
    """Replace the RESULTS.md section that starts with `heading`, up to the next heading
    (so the hand-written "reading the figures" section after it stays), or append it."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported")
    parser.add_argument("--quick", action="store_true", help="small sizes, for trying the script out")
    parser.add_argument("--skip-envelope", action="store_true", help="skip (b), the 150,000-pod run")
    parser.add_argument("--no-write", action="store_true", help="print only; do not update RESULTS.md")
    parser.add_argument(
        "--network",
        action="store_true",
        help="run only the network figures (services, endpoints, kube-proxy, trace)",
    )
    parser.add_argument(
        "--services", type=int, default=10000, help="services for --network (upstream's limit is 10,000)"
    )
    parser.add_argument(
        "--pods-per-service", type=int, default=15, help="pods behind each service for --network"
    )
    parser.add_argument("--nodes", type=int, default=5000, help="nodes for --network")
    args = parser.parse_args()
    if args.network:
        result = network(args.nodes, args.services, args.pods_per_service)
        print(json.dumps(result, indent=2))
        if not args.no_write:
            write_network(result, args.nodes)
        return
    nodes, pods, big_pods = (500, 1000, 5000) if args.quick else (5000, 10000, 150000)

    results = {}
    runs = [scheduling_basic(nodes, pods) for _ in range(args.runs)]
    results["a"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(
        f"(a) SchedulingBasic {nodes} nodes, {pods} pods: "
        f"{results['a']['scheduling_pods_per_s']:.0f} pods/s scheduled, "
        f"{results['a']['creation_to_running_pods_per_s']:.0f} pods/s creation->Running",
        flush=True,
    )
    if not args.skip_envelope:
        # One run only: the peak RSS of a process is only meaningful once.
        results["b"] = envelope(nodes, big_pods)
        print(
            f"(b) {nodes} nodes, {big_pods} pods: {results['b']['running']} Running in "
            f"{results['b']['seconds']:.0f} s, peak RSS {results['b']['peak_rss_gib']:.2f} GiB",
            flush=True,
        )
    learner_runs = [learner(60) for _ in range(args.runs)]
    results["c"] = {k: statistics.median(r[k] for r in learner_runs) for k in learner_runs[0]}
    print(
        f"(c) learner cluster {results['c']['nodes']} nodes, {results['c']['pods']} pods: "
        f"p50 {results['c']['p50_ms']:.1f} ms, p95 {results['c']['p95_ms']:.1f} ms; "
        f"JSON round trip of the state p50 {results['c']['json_p50_ms']:.1f} ms "
        f"(state {results['c']['state_kib']:.0f} KiB)",
        flush=True,
    )
    print(json.dumps(results, indent=2))
    if not args.no_write and not args.quick:
        write_results(results, args.runs, nodes, pods, big_pods)


def write_results(results: dict, runs: int, nodes: int, pods: int, big_pods: int) -> None:
    a, c = results["a"], results["c"]
    lines = [
        "## Engine (`benchmarks/engine.py`)",
        "",
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d}. Median of {runs} runs unless noted.",
        "",
        "| Figure | Target | Measured |",
        "| --- | --- | --- |",
        f"| (a) SchedulingBasic, {nodes} nodes, {pods} pods: scheduling throughput | ≥ 1,000 pods/s | {a['scheduling_pods_per_s']:.0f} pods/s |",
        f"| (a) same, creation to Running (scheduler + kubelets) | ≥ 1,000 pods/s | {a['creation_to_running_pods_per_s']:.0f} pods/s |",
    ]
    if "b" in results:
        b = results["b"]
        lines += [
            f"| (b) {nodes} nodes, {big_pods} pods all Running: time (one run) | ≤ 3 min | {b['seconds']:.0f} s ({b['running']} Running) |",
            f"| (b) same: peak RSS (one run) | ≤ 2 GiB | {b['peak_rss_gib']:.2f} GiB |",
        ]
    lines += [
        f"| (c) learner cluster ({c['nodes']} nodes, {c['pods']} pods): from_dict + apply + settle + to_dict, p50 | — | {c['p50_ms']:.1f} ms |",
        f"| (c) same, p95 | ≤ 10 ms | {c['p95_ms']:.1f} ms |",
        f"| (c) JSON dumps + loads of that state ({c['state_kib']:.0f} KiB), p50, paid on top by the web layer | — | {c['json_p50_ms']:.1f} ms |",
        "",
    ]
    write_section("## Engine (", "\n".join(lines))


if __name__ == "__main__":
    main()
