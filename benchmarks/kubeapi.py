"""Sandbox API benchmark: run `.venv/bin/python benchmarks/kubeapi.py` (see the README).

Serves the app with gunicorn (2 workers x 8 threads, SQLite) on loopback, makes a
restaurant-rating sandbox with the instructors' command, then measures over HTTP with
keep-alive:

1. what `kubectl get pods -A` asks for (a Table of every pod) and a single-object GET;
2. single-object writes (create a ConfigMap; scale a Deployment) -- the upstream SLO
   for mutating calls is p99 <= 1 s;
3. watch delivery: 10 open watches on ConfigMaps, the time from a write's reply to the
   event's arrival on each (anchor: p99 <= 10 ms with 10 watchers);
4. the real kubectl: `kubectl get pods` wall time with a warm discovery cache, and the
   first command on a cold cache.

Rewrites the sandbox-API section of benchmarks/RESULTS.md.

With --postgres: a throwaway PostgreSQL and two app servers on it (A and B, each
gunicorn 2 workers x 8 threads); only watch delivery across processes is measured, the
watches open on A and the writes made through B, so every event travels by NOTIFY from
B's process to A's. Rewrites the "Sandbox API on PostgreSQL" section.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import percentile, start, stop  # noqa: E402

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def timed(conn: http.client.HTTPConnection, method: str, path: str, body=None, headers=None) -> float:
    began = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - began
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status}")
    return elapsed * 1000


def figures(runs: list[list[float]]) -> str:
    """Each percentile is the median over the runs."""

    def p(q):
        return statistics.median(percentile(values, q) for values in runs)

    return f"p50 {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms, p99 {p(0.99):.1f} ms"


def p99(runs: list[list[float]]) -> float:
    return statistics.median(percentile(values, 0.99) for values in runs)


def requests(base: str, prefix: str, runs: int) -> dict:
    host = base.removeprefix("http://")
    conn = http.client.HTTPConnection(host)
    out = {}
    out["table"] = [
        timed(conn, "GET", f"{prefix}/api/v1/pods?limit=500", headers={"Accept": TABLE}) for _ in range(runs)
    ]
    out["get"] = [
        timed(conn, "GET", f"{prefix}/apis/apps/v1/namespaces/default/deployments/yelb-ui")
        for _ in range(runs)
    ]
    tag = time.monotonic_ns()

    def body(i):
        return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"bench-{tag}-{i}"}})

    out["create"] = [
        timed(
            conn,
            "POST",
            f"{prefix}/api/v1/namespaces/default/configmaps",
            body(i),
            {"Content-Type": "application/json"},
        )
        for i in range(runs)
    ]
    out["scale"] = [
        timed(
            conn,
            "PATCH",
            f"{prefix}/apis/apps/v1/namespaces/default/deployments/yelb-ui/scale",
            json.dumps({"spec": {"replicas": 3 + i % 2}}),
            {"Content-Type": "application/merge-patch+json"},
        )
        for i in range(runs)
    ]
    return out


def watch_delivery(
    base: str, prefix: str, watchers: int, writes: int, writer: str | None = None, gap: float = 0.2
) -> list[float]:
    """Watches on `base`, writes through `writer` (the same server unless given), one
    every `gap` seconds."""
    tag = f"{time.monotonic_ns()}"
    host = base.removeprefix("http://")
    conn = http.client.HTTPConnection((writer or base).removeprefix("http://"))
    conn.request("GET", f"{prefix}/api/v1/namespaces/default/configmaps")
    rv = json.loads(conn.getresponse().read())["metadata"]["resourceVersion"]
    arrivals: dict[str, list[float]] = {}
    odd: list[bytes] = []
    lock = threading.Lock()

    opened = threading.Semaphore(0)

    def watch():
        # A worker past its stream cap answers 429 (gunicorn hands the connection to
        # either worker): try again, as a client does, until one takes it.
        for _ in range(40):
            stream = http.client.HTTPConnection(host, timeout=120)
            stream.request(
                "GET",
                f"{prefix}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=300",
            )
            response = stream.getresponse()
            if response.status != 429:
                break
            response.read()
            stream.close()
            time.sleep(0.25)
        opened.release()
        seen = 0
        while seen < writes:
            line = response.readline()
            if not line:
                return
            if not line.strip():
                continue
            event = json.loads(line)
            if "object" not in event:  # not a watch event: shown after the run, not counted
                with lock:
                    odd.append(line[:300])
                continue
            name = event["object"]["metadata"]["name"]
            if event["type"] == "ADDED" and name.startswith(f"watched-{tag}-"):
                with lock:
                    arrivals.setdefault(name, []).append(time.perf_counter())
                seen += 1
        stream.close()

    threads = [threading.Thread(target=watch, daemon=True) for _ in range(watchers)]
    for thread in threads:
        thread.start()
    for _ in threads:
        opened.acquire(timeout=30)
    time.sleep(1.5)
    conn.close()  # idle past the server's keep-alive while the watches opened: a fresh one
    conn = http.client.HTTPConnection((writer or base).removeprefix("http://"))
    sent = {}
    for i in range(writes):
        name = f"watched-{tag}-{i}"
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
        conn.request(
            "POST",
            f"{prefix}/api/v1/namespaces/default/configmaps",
            body,
            {"Content-Type": "application/json"},
        )
        conn.getresponse().read()
        sent[name] = time.perf_counter()
        time.sleep(gap)
    for thread in threads:
        thread.join(timeout=30)
    for line in odd:
        print("not a watch event:", line, file=sys.stderr)
    return [(t - sent[name]) * 1000 for name, times in arrivals.items() for t in times]


def kubectl_times(kubeconfig: Path, runs: int) -> dict | None:
    on_path = shutil.which("kubectl")
    if not on_path:
        return None
    numbered = sorted(glob.glob(os.path.join(os.path.dirname(os.path.realpath(on_path)), "kubectl.1.*")))
    binary = numbered[-1] if numbered else on_path
    cache = Path(tempfile.mkdtemp())
    env = dict(os.environ, KUBECONFIG=str(kubeconfig))

    def run() -> float:
        began = time.perf_counter()
        subprocess.run(
            [binary, "--cache-dir", str(cache), "get", "pods"], env=env, check=True, capture_output=True
        )
        return (time.perf_counter() - began) * 1000

    cold = run()
    warm = [run() for _ in range(runs)]
    return {"binary": os.path.basename(binary), "cold": cold, "warm": warm}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--watchers", type=int, default=10)
    parser.add_argument("--writes", type=int, help="watched writes per run (default 30; 500 with --postgres)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is reported")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="two app servers on one PostgreSQL: watch delivery across them",
    )
    args = parser.parse_args()
    if args.postgres:
        postgres(args)
        return
    args.writes = args.writes or 30
    work = Path(tempfile.mkdtemp())
    server, base, env = start(work)
    try:
        rounds, delivery = [], []
        for _ in range(args.repeat):
            # A fresh sandbox per run, so that one run's objects do not slow the next.
            made = subprocess.run(
                [
                    sys.executable,
                    "manage.py",
                    "sandbox_kubeconfig",
                    "--new",
                    "--scenario",
                    "restaurant-rating",
                ]
                + ["--server", base],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            kubeconfig = work / "kubeconfig.yaml"
            kubeconfig.write_text(made.stdout)
            prefix = "/k8s/" + made.stdout.split("/k8s/", 1)[1].split()[0]
            rounds.append(requests(base, prefix, args.runs))
            delivery.append(watch_delivery(base, prefix, args.watchers, args.writes))
        measured = {key: [r[key] for r in rounds] for key in rounds[0]}
        kubectl = kubectl_times(kubeconfig, 10)
    finally:
        server.terminate()
        server.wait(timeout=15)

    from benchmarks.engine import machine, write_section

    lines = [
        "## Sandbox API (`benchmarks/kubeapi.py`)",
        "",
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d}. gunicorn, 2 workers x 8 gthread threads, SQLite, "
        f"one client with keep-alive; restaurant-rating sandbox (4 nodes, about 20 pods); {args.runs} requests per run, "
        f"{args.repeat} runs, each percentile the median over the runs.",
        "",
        "| What | Figures | Target |",
        "| --- | --- | --- |",
        f"| Table of all pods (`kubectl get pods -A`) | {figures(measured['table'])} | |",
        f"| GET one Deployment | {figures(measured['get'])} | |",
        f"| Create a ConfigMap (load, admit, save with CAS, snapshot) | {figures(measured['create'])} | p99 <= 1 s (upstream SLO): "
        + ("met" if p99(measured["create"]) <= 1000 else "missed")
        + " |",
        f"| Scale a Deployment (`PATCH …/scale`) | {figures(measured['scale'])} | p99 <= 1 s: "
        + ("met" if p99(measured["scale"]) <= 1000 else "missed")
        + " |",
        f"| Watch delivery, {args.watchers} watchers x {args.writes} writes | {figures(delivery)} | "
        "p99 <= 10 ms: " + ("met" if p99(delivery) <= 10 else "**missed**") + " |",
    ]
    if kubectl:
        lines.append(
            f"| `{kubectl['binary']} get pods`, warm discovery cache (whole process) | median "
            f"{statistics.median(kubectl['warm']):.0f} ms; cold cache {kubectl['cold']:.0f} ms | |"
        )
    lines += [
        "",
        "Watch delivery is bounded by polling the database: one thread per process and "
        "sandbox reads the row's version every 20 ms (not a message bus, so that any "
        "process's writes reach it), loads the sandbox when it moved, and every stream on "
        "that sandbox shares the load. "
        "The 10 ms anchor is for an in-process watch; to get there over HTTP, writers "
        "would have to notify streams (PostgreSQL LISTEN/NOTIFY, or a pipe between "
        "threads of one process) and the poll would become the fallback.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section("## Sandbox API (", section)


def postgres(args) -> None:
    """Watch delivery across processes: watches on server A, writes through server B."""
    from tests.postgres import running

    writes = args.writes or 500
    work = Path(tempfile.mkdtemp())
    with running() as url:
        server_a, base_a, env = start(work, DATABASE_URL=url)
        server_b, base_b, _ = start(work, DATABASE_URL=url)
        try:
            delivery, loads = [], []
            for _ in range(args.repeat):
                loads.append(os.getloadavg()[0])
                made = subprocess.run(
                    [
                        sys.executable,
                        "manage.py",
                        "sandbox_kubeconfig",
                        "--new",
                        "--scenario",
                        "restaurant-rating",
                    ]
                    + ["--server", base_a],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                prefix = "/k8s/" + made.stdout.split("/k8s/", 1)[1].split()[0]
                delivery.append(
                    watch_delivery(base_a, prefix, args.watchers, writes, writer=base_b, gap=0.05)
                )
        finally:
            stop(server_a, server_b)

    from benchmarks.engine import machine, write_section

    counts = ", ".join(str(len(run)) for run in delivery)
    lines = [
        "## Sandbox API on PostgreSQL (`benchmarks/kubeapi.py --postgres`)",
        "",
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d}. A throwaway PostgreSQL and two app servers "
        "on it (A and B, each gunicorn 2 workers x 8 gthread threads); restaurant-rating sandbox; "
        f"{args.watchers} watches on ConfigMaps open on A, {writes} ConfigMaps created through B one every 50 ms; "
        f"the time from B's reply to the event's arrival on each watch ({counts} events per run); "
        f"{args.repeat} runs, each percentile the median over the runs.",
        "",
        "| What | Figures | Target |",
        "| --- | --- | --- |",
        f"| Watch delivery across processes, {args.watchers} watchers x {writes} writes | {figures(delivery)} | "
        "p99 <= 20 ms (issue 18): " + ("met" if p99(delivery) <= 20 else "**missed**") + " |",
        "",
        "Load average (1 min) as each run started: " + ", ".join(f"{load:.2f}" for load in loads) + ".",
        "",
        "Each saved change sends NOTIFY in its transaction, and the notification carries the "
        "change's watch events when they fit in its 8000 bytes (a ConfigMap's do). Each "
        "process's listener thread hands them to the sandbox's feed, which publishes them after "
        "the cluster it holds without loading the sandbox (playground/kubeapi/feeds.py); it still "
        "loads the whole sandbox once a second (the clock) and for a change told without its "
        "events. The arrival is measured from the write's reply, so an event can arrive before "
        "the reply (a negative figure): the notification leaves at B's commit, before B has "
        "rendered its answer. History of this figure: p99 221 ms when each change made every "
        "feed reload the sandbox and the cyclic garbage collector paused workers 150-350 ms "
        "every 1.8 s; 28.7 ms (2026-12-02) once components held their cluster weakly "
        "(playground/engine/backref.py) and workers froze their start-up heap, the rest being the "
        "reload (p50 14 ms, p99 30 ms with 500 ConfigMaps); then the events in the notification. "
        "The 2 cores are shared by both servers, PostgreSQL and the client.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section("## Sandbox API on PostgreSQL (", section)


if __name__ == "__main__":
    main()
