"""Mirror benchmark: `manage.py mirror` against a 5,000-node, 150,000-pod cluster served
over loopback HTTP, into the default SQLite database.

Figures (median of --runs runs):
  * initial sync: from starting the command until every resource is listed and stored;
  * peak memory (VmHWM) of the mirror process during that sync;
  * watch throughput: pod MODIFIED events per second, from the first event sent until
    the last one is in the database.

Targets (issue 8): sync <= 30 s and <= 2 GiB; >= 2,000 watch events/s.

The API here is a small server of this script's own (run as a separate process so it
does not share the mirror's GIL), holding each object as serialized bytes, paging lists
as kube-apiserver does (limit/continue, remainingItemCount) and streaming watch events.

    python benchmarks/mirror.py [--runs 3] [--nodes 5000] [--pods 150000] [--events 20000]
"""

from __future__ import annotations

import argparse
import base64
import json
import queue
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.engine import machine, write_section  # noqa: E402
from benchmarks.server import ROOT, free_port, settings_env  # noqa: E402
from playground.engine.defaults import DEFAULT_TOLERATIONS  # noqa: E402

BUILTIN_LISTS = {
    "/api/v1/nodes": ("NodeList", "v1"),
    "/api/v1/namespaces": ("NamespaceList", "v1"),
    "/api/v1/pods": ("PodList", "v1"),
    "/apis/apps/v1/deployments": ("DeploymentList", "apps/v1"),
    "/apis/apps/v1/replicasets": ("ReplicaSetList", "apps/v1"),
    "/apis/apps/v1/daemonsets": ("DaemonSetList", "apps/v1"),
    "/apis/apps/v1/statefulsets": ("StatefulSetList", "apps/v1"),
    "/apis/batch/v1/jobs": ("JobList", "batch/v1"),
    "/apis/batch/v1/cronjobs": ("CronJobList", "batch/v1"),
    "/api/v1/services": ("ServiceList", "v1"),
    "/apis/discovery.k8s.io/v1/endpointslices": ("EndpointSliceList", "discovery.k8s.io/v1"),
    "/apis/networking.k8s.io/v1/ingresses": ("IngressList", "networking.k8s.io/v1"),
    "/api/v1/persistentvolumes": ("PersistentVolumeList", "v1"),
    "/api/v1/persistentvolumeclaims": ("PersistentVolumeClaimList", "v1"),
    "/apis/storage.k8s.io/v1/storageclasses": ("StorageClassList", "storage.k8s.io/v1"),
    "/api/v1/resourcequotas": ("ResourceQuotaList", "v1"),
    "/api/v1/limitranges": ("LimitRangeList", "v1"),
    "/apis/networking.k8s.io/v1/networkpolicies": ("NetworkPolicyList", "networking.k8s.io/v1"),
    "/apis/policy/v1/poddisruptionbudgets": ("PodDisruptionBudgetList", "policy/v1"),
    "/apis/autoscaling/v2/horizontalpodautoscalers": ("HorizontalPodAutoscalerList", "autoscaling/v2"),
    "/api/v1/events": ("EventList", "v1"),
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions": (
        "CustomResourceDefinitionList",
        "apiextensions.k8s.io/v1",
    ),
}
NAMESPACES = 50


def node(i: int) -> dict:
    name = f"node-{i:05d}"
    return {
        "metadata": {
            "name": name,
            "uid": f"00000000-0000-4000-8000-{i:012d}",
            "resourceVersion": str(10 + i),
            "creationTimestamp": "2026-11-20T09:12:41Z",
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": f"zone-{i % 3}",
            },
            "managedFields": [
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-11-20T09:12:41Z",
                }
            ],
        },
        "spec": {"podCIDR": f"10.{64 + i // 256}.{i % 256}.0/24"},
        "status": {
            "capacity": {
                "cpu": "32",
                "memory": "131900412Ki",
                "pods": "110",
                "ephemeral-storage": "263112772Ki",
            },
            "allocatable": {
                "cpu": "32",
                "memory": "131900412Ki",
                "pods": "110",
                "ephemeral-storage": "263112772Ki",
            },
            "conditions": [
                {
                    "type": t,
                    "status": "True" if t == "Ready" else "False",
                    "lastHeartbeatTime": "2026-11-20T10:40:02Z",
                    "lastTransitionTime": "2026-11-20T09:12:41Z",
                    "reason": r,
                    "message": m,
                }
                for t, r, m in (
                    (
                        "MemoryPressure",
                        "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available",
                    ),
                    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    ("Ready", "KubeletReady", "kubelet is posting ready status"),
                )
            ],
            "addresses": [{"type": "InternalIP", "address": f"10.0.{i // 256}.{i % 256}"}],
            "nodeInfo": {
                "kubeletVersion": "v1.31.2",
                "osImage": "Ubuntu 24.04.1 LTS",
                "kernelVersion": "6.8.0-48-generic",
            },
        },
    }


def pod(i: int, nodes: int, rv: int) -> dict:
    ns = f"team-{i % NAMESPACES:02d}"
    app = f"app-{i % 1500:04d}"
    name = f"{app}-7c65d6cfc9-{i:06d}"
    return {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"10000000-0000-4000-8000-{i:012d}",
            "resourceVersion": str(rv),
            "creationTimestamp": "2026-11-20T09:20:11Z",
            "generateName": f"{app}-7c65d6cfc9-",
            "labels": {"app": app, "pod-template-hash": "7c65d6cfc9"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{app}-7c65d6cfc9",
                    "uid": f"20000000-0000-4000-8000-{i % 1500:012d}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-11-20T09:20:11Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}}}},
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-11-20T09:20:15Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:phase": {}}},
                    "subresource": "status",
                },
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example.com/shop/app:1.4.2",
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {
                        "requests": {"cpu": "250m", "memory": "256Mi"},
                        "limits": {"memory": "512Mi"},
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": f"node-{i % nodes:05d}",
            "schedulerName": "default-scheduler",
            "tolerations": [dict(t) for t in DEFAULT_TOLERATIONS],
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {
                    "type": t,
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": "2026-11-20T09:20:15Z",
                }
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": f"10.0.{(i % nodes) // 256}.{(i % nodes) % 256}",
            "podIP": f"10.{64 + (i % nodes) // 256}.{(i % nodes) % 256}.{2 + i % 250}",
            "startTime": "2026-11-20T09:20:12Z",
            "containerStatuses": [
                {
                    "name": "app",
                    "state": {"running": {"startedAt": "2026-11-20T09:20:15Z"}},
                    "ready": True,
                    "restartCount": 0,
                    "image": "registry.example.com/shop/app:1.4.2",
                    "imageID": "registry.example.com/shop/app@sha256:" + "ab" * 32,
                    "containerID": "containerd://" + f"{i:064x}",
                    "started": True,
                }
            ],
            "qosClass": "Burstable",
        },
    }


# The API server ----------------------------------------------------------------


def serve(port: int, nodes: int, pods: int) -> None:
    """Run the benchmark's API until killed. Objects are kept as JSON bytes."""
    lists: dict[str, list[bytes]] = {path: [] for path in BUILTIN_LISTS}
    lists["/api/v1/nodes"] = [json.dumps(node(i)).encode() for i in range(nodes)]
    lists["/api/v1/namespaces"] = [
        json.dumps({"metadata": {"name": f"team-{n:02d}", "uid": f"ns-{n}", "resourceVersion": "5"}}).encode()
        for n in range(NAMESPACES)
    ]
    lists["/api/v1/pods"] = [json.dumps(pod(i, nodes, 100_000 + i)).encode() for i in range(pods)]
    revision = [1_000_000]
    watchers: dict[str, list[queue.Queue]] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, code, data: bytes):
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # the benchmark's control: send N pod MODIFIED events
            query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
            n = int(query["n"])
            with lock:
                targets = list(watchers.get("/api/v1/pods", []))
                start = revision[0]
                revision[0] += n
            for q in targets:
                q.put(("emit", start, n))
            self._send(
                200, json.dumps({"first": start + 1, "last": start + n, "watchers": len(targets)}).encode()
            )

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/version":
                return self._send(200, b'{"major":"1","minor":"31","gitVersion":"v1.31.2"}')
            if parts.path not in lists:
                return self._send(
                    404,
                    b'{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}',
                )
            if query.get("watch") == "true":
                return self._watch(parts.path, query)
            items = lists[parts.path]
            offset = json.loads(base64.b64decode(query["continue"]))["o"] if query.get("continue") else 0
            limit = int(query.get("limit") or len(items) or 1)
            page = items[offset : offset + limit]
            kind, api_version = BUILTIN_LISTS[parts.path]
            meta = {"resourceVersion": str(revision[0])}
            left = len(items) - offset - len(page)
            if left > 0:
                meta["continue"] = base64.b64encode(json.dumps({"o": offset + limit}).encode()).decode()
                meta["remainingItemCount"] = left
            head = json.dumps({"kind": kind, "apiVersion": api_version, "metadata": meta})[:-1].encode()
            self._send(200, head + b',"items":[' + b",".join(page) + b"]}")

        def _watch(self, path, query):
            q: queue.Queue = queue.Queue()
            with lock:
                watchers.setdefault(path, []).append(q)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            timeout = float(query.get("timeoutSeconds") or 300)
            deadline = time.monotonic() + timeout
            try:
                while time.monotonic() < deadline:
                    try:
                        _, start, n = q.get(timeout=1)
                    except queue.Empty:
                        continue
                    template = json.loads(lists["/api/v1/pods"][0])
                    buffer = []
                    for k in range(n):
                        template["metadata"]["resourceVersion"] = str(start + k + 1)
                        template["metadata"]["name"] = f"churn-{k % 5000:05d}"
                        template["status"]["containerStatuses"][0]["restartCount"] = k
                        buffer.append(
                            b'{"type":"MODIFIED","object":' + json.dumps(template).encode() + b"}\n"
                        )
                        if len(buffer) == 200 or k == n - 1:
                            data = b"".join(buffer)
                            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                            self.wfile.flush()
                            buffer = []
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            finally:
                with lock:
                    watchers[path].remove(q)
                self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


# The measurement ----------------------------------------------------------------


def environment(work: Path, kubeconfig: Path) -> dict:
    return settings_env(work, "mirror.sqlite3", KUBECONFIG=str(kubeconfig))


def peak_rss(pid: int) -> int:
    """VmHWM of the process plus its children (the page-decoder process): an upper bound
    of what the mirror held at once."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = [int(c) for c in handle.read().split()]
    except OSError:
        return total
    return total + sum(peak_rss(child) for child in children)


def one_run(url: str, work: Path, events: int) -> dict:
    kubeconfig = work / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "bench", "cluster": {"server": url}}],
                "users": [{"name": "bench", "user": {"token": "benchmark"}}],
                "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}],
                "current-context": "bench",
            }
        )
    )
    env = environment(work, kubeconfig)
    db = work / "mirror.sqlite3"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(work / "mirror.log", "w")  # noqa: SIM115
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "mirror", "bench", "--watch-seconds", "600"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    peak, synced = 0, None
    try:
        while synced is None:
            time.sleep(0.2)
            peak = max(peak, peak_rss(process.pid))
            if process.poll() is not None:
                raise RuntimeError((work / "mirror.log").read_text()[-2000:])
            text = (work / "mirror.log").read_text()
            if "synced in" in text:
                synced = float(text.split("synced in", 1)[1].split("s", 1)[0])
        wall = time.monotonic() - started
        # Follow: the server sends `events` MODIFIED events on the open pod watch.
        import urllib.request

        with urllib.request.urlopen(
            urllib.request.Request(f"{url}/emit?n={events}", method="POST")
        ) as response:
            sent = json.loads(response.read())
        assert sent["watchers"] >= 1, "the mirror had no open pod watch"
        sent_at = time.monotonic()
        last = str(sent["last"])
        with sqlite3.connect(db, timeout=30) as conn:
            while True:
                row = conn.execute(
                    "select 1 from playground_mirroredobject where resource_version = ? limit 1", (last,)
                ).fetchone()
                if row:
                    break
                if time.monotonic() - sent_at > 300:
                    raise RuntimeError("the events did not arrive within 300 s")
                time.sleep(0.05)
        followed = time.monotonic() - sent_at
        peak = max(peak, peak_rss(process.pid))
        with sqlite3.connect(db) as conn:
            stored = conn.execute("select count(*) from playground_mirroredobject").fetchone()[0]
    finally:
        process.terminate()
        process.wait(60)
        log.close()
    return {
        "sync": synced,
        "wall": wall,
        "peak": peak,
        "events_per_s": events / followed,
        "stored": stored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true", help="print only; do not update RESULTS.md")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.nodes, args.pods)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            str(port),
            "--nodes",
            str(args.nodes),
            "--pods",
            str(args.pods),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        print(f"generating {args.nodes:,} nodes and {args.pods:,} pods ...", flush=True)
        assert server.stdout.readline().strip() == "ready"
        url = f"http://127.0.0.1:{port}"
        results = []
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.runs):
                result = one_run(url, Path(tmp), args.events)
                results.append(result)
                print(
                    f"run {run + 1}: synced {result['stored']:,} objects in {result['sync']:.1f} s "
                    f"({result['wall']:.1f} s with start-up), peak {result['peak'] / 2**20:,.0f} MiB, "
                    f"{result['events_per_s']:,.0f} watch events/s",
                    flush=True,
                )
    finally:
        server.kill()
    median = {
        key: statistics.median(r[key] for r in results) for key in ("sync", "wall", "peak", "events_per_s")
    }
    verdict = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    section = f"""## Mirror (`benchmarks/mirror.py`)

Machine: {machine()}. Date: {time.strftime("%Y-%m-%d")}. `manage.py mirror` against a loopback API (a separate process) serving {args.nodes:,} nodes and {args.pods:,} pods (each pod about {len(json.dumps(pod(0, 1, 1))):,} bytes of JSON with managedFields), into SQLite; {args.runs} runs, medians.

| Figure | median | target | | each run |
| --- | --- | --- | --- | --- |
| initial sync (list + store every object) | {median["sync"]:.1f} s | ≤ 30 s | {verdict(median["sync"] <= 30)} | {", ".join(f"{r['sync']:.1f}" for r in results)} s |
| same, with process start-up | {median["wall"]:.1f} s | | | {", ".join(f"{r['wall']:.1f}" for r in results)} s |
| peak memory of the mirror process and its page decoder | {median["peak"] / 2**20:,.0f} MiB | ≤ 2 GiB | {verdict(median["peak"] <= 2 * 2**30)} | {", ".join(f"{r['peak'] / 2**20:,.0f}" for r in results)} MiB |
| watch events followed into the database | {median["events_per_s"]:,.0f}/s | ≥ 2,000/s | {verdict(median["events_per_s"] >= 2000)} | {", ".join(f"{r['events_per_s']:,.0f}" for r in results)} /s |
"""
    print(section)
    if not args.no_write:
        write_section("## Mirror (", section)


if __name__ == "__main__":
    main()
