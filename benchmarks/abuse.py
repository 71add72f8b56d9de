"""Abuse benchmark: run `.venv/bin/python benchmarks/abuse.py` (see the README).

Replays issue 16's hostile visitor against the production stack on loopback (gunicorn
with the project's gunicorn.conf.py, 2 workers, DEBUG off, SQLite), phase by phase, while
a probe measures what everyone else gets: `/healthz` and a normal learner's sandbox page,
each on a fresh connection, back to back every 0.2 s.

Phases: a baseline; watches (20 visitors with 10 watches each on their own sandboxes, and
one visitor asking for 150 on one sandbox, past the per-sandbox and per-address caps);
a huge scale (a Deployment scaled to 1,000,000 replicas through `/scale` and a merge
patch, a Job with completions and parallelism of 10^9); big objects (twelve 1 MB
ConfigMaps, a pod with 10,000 containers); many sandboxes (40 from fresh cookie jars,
one address); and after, with the watches closed. The visitors are told apart by
X-Forwarded-For (TRUSTED_PROXY_COUNT=1, as behind one reverse proxy).

The target: /healthz and the learner's page under 200 ms at the 95th percentile in every
phase. Each figure is the median over the runs (default 3). Rewrites the abuse section of
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import multiprocessing
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import free_port, percentile, settings_env  # noqa: E402

TARGET_MS = 200
TIMEOUT = 10  # a probe that takes longer counts as this many seconds, and as failed


def start_server(work: Path) -> tuple[subprocess.Popen, str]:
    env = settings_env(
        work,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        STATIC_ROOT=str(work / "static"),
        TRUSTED_PROXY_COUNT="1",
        KUBE_API_WATCH_SECONDS="300",
    )
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        + ["--graceful-timeout", "2", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=10)
            return server, base
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


class Visitor:
    """A browser: its own cookie jar, coming from its own address."""

    def __init__(self, base: str, address: str):
        self.base, self.address = base, address
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("X-Forwarded-For", address)]

    def get(self, path: str, timeout: float = 60):
        return self.opener.open(self.base + path, timeout=timeout)

    def new_sandbox(self) -> tuple[str, str] | None:
        """(public id, API token), or None when refused (a limit)."""
        if not any(c.name == "csrftoken" for c in self.jar):
            self.get("/playground/").read()
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({"profile": "default", "name": "abuse"}).encode()
        request = urllib.request.Request(
            self.base + "/playground/new",
            data=body,
            headers={"X-CSRFToken": csrf, "Referer": self.base + "/playground/"},
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                found = re.search(r"/playground/([0-9a-f-]{36})/", response.url)
        except urllib.error.HTTPError as error:
            error.read()
            return None
        if found is None:
            return None
        public_id = found.group(1)
        config = self.get(f"/playground/{public_id}/kubeconfig").read().decode()
        token = re.search(r"/k8s/([^/\s]+)", config).group(1)
        return public_id, token


def api(base: str, token: str, method: str, path: str, body=None, content_type="application/json"):
    """(status, seconds) of one sandbox API request; 0 when it timed out or failed."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    began = time.perf_counter()
    try:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        connection.request(method, f"/k8s/{token}/{path}", data, {"Content-Type": content_type})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - began
    except OSError:
        return 0, time.perf_counter() - began
    finally:
        connection.close()


def open_watch(
    base: str, token: str, address: str, path: str = "api/v1/pods?watch=1"
) -> tuple[int, socket.socket]:
    """A watch left open: (HTTP status, its socket)."""
    url = urllib.parse.urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    sock.sendall(
        f"GET /k8s/{token}/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: {address}\r\n\r\n".encode()
    )
    try:
        head = sock.recv(4096)
        status = int(head.split(b" ", 2)[1])
    except (OSError, IndexError, ValueError):
        status = 0
    return status, sock


class Probe(multiprocessing.Process):
    """What an ordinary visitor gets: /healthz and a learner's page, fresh connections.
    A process of its own, so that the attack's client threads do not hold its GIL."""

    def __init__(self, base: str, page: str, cookie: str):
        super().__init__(daemon=True)
        self.base, self.page, self.cookie = base, page, cookie
        self.phase = multiprocessing.Array("c", 64)
        self.stopping = multiprocessing.Event()
        self.results = multiprocessing.Queue()

    def set_phase(self, name: str) -> None:
        self.phase.value = name.encode()[:63]

    def measure(self, path: str) -> float | None:
        request = urllib.request.Request(
            self.base + path, headers={"Cookie": self.cookie, "X-Forwarded-For": "10.200.0.1"}
        )
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()
                ok = response.status == 200
        except OSError:
            ok = False
        return (time.perf_counter() - began) * 1000 if ok else None

    def run(self) -> None:
        samples: dict[str, dict[str, list[float]]] = {}
        failed: dict[str, int] = {}
        while not self.stopping.is_set():
            phase = self.phase.value.decode()
            for kind, path in (("healthz", "/healthz"), ("page", self.page)):
                took = self.measure(path)
                if took is None:  # failed: counted, and as slow as the timeout
                    failed[phase] = failed.get(phase, 0) + 1
                    took = TIMEOUT * 1000.0
                samples.setdefault(phase, {}).setdefault(kind, []).append(took)
            time.sleep(0.2)
        self.results.put({"samples": samples, "failed": failed})

    def finish(self) -> dict:
        self.stopping.set()
        found = self.results.get(timeout=60)
        self.join()
        return found


def run_once(work: Path, hold: float) -> dict:
    server, base = start_server(work)
    watches: list[socket.socket] = []
    notes: dict[str, str] = {}
    try:
        learner = Visitor(base, "10.200.0.1")
        learner_id, _token = learner.new_sandbox()
        page = f"/playground/{learner_id}/"
        learner.get(page).read()
        # The probe has no cookie jar of its own: the learner's page needs the session.
        session = next(c for c in learner.jar if c.name == "sessionid")
        probe = Probe(base, page, f"sessionid={session.value}")
        load = Path("/proc/loadavg").read_text().split()[0]
        others = [Visitor(base, f"10.100.0.{n}") for n in range(1, 21)]
        with ThreadPoolExecutor(8) as pool:
            other_sandboxes = list(pool.map(lambda v: v.new_sandbox(), others))
        hostile = Visitor(base, "10.66.0.1")
        _hostile_id, hostile_token = hostile.new_sandbox()
        probe.set_phase("baseline")
        probe.start()

        def phase(name: str, attack, at_least: float = hold) -> None:
            probe.set_phase(name)
            began = time.monotonic()
            attack()
            rest = at_least - (time.monotonic() - began)
            if rest > 0:
                time.sleep(rest)

        phase("baseline", lambda: None)

        def watches_attack():
            jobs = [
                (token, visitor.address) for visitor, (_i, token) in zip(others, other_sandboxes, strict=True)
            ]
            jobs = [job for job in jobs for _ in range(10)] + [(hostile_token, hostile.address)] * 150
            with ThreadPoolExecutor(32) as pool:
                opened = list(pool.map(lambda job: open_watch(base, *job), jobs))
            watches.extend(sock for _status, sock in opened)
            codes = [status for status, _sock in opened]
            learners_ok = sum(1 for c in codes[:200] if c == 200)
            hostile_ok = sum(1 for c in codes[200:] if c == 200)
            hostile_429 = sum(1 for c in codes[200:] if c == 429)
            others_codes = ", ".join(
                f"{count} answered {code or 'nothing'}"
                for code, count in sorted(Counter(c for c in codes[:200] if c != 200).items())
            )
            notes["watches"] = (
                f"{learners_ok}/200 learners' watches open{f' ({others_codes})' if others_codes else ''}; "
                f"the hostile visitor's 150: {hostile_ok} open, {hostile_429} refused (429)"
            )

        phase("watches being opened (200 + 150)", watches_attack, at_least=0)
        phase("watches held open", lambda: None)

        def scale_attack():
            deployment = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "huge"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "huge"}},
                    "template": {
                        "metadata": {"labels": {"app": "huge"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                    },
                },
            }
            results = [
                api(base, hostile_token, "POST", "apis/apps/v1/namespaces/default/deployments", deployment)
            ]
            scale = {"spec": {"replicas": 1000000}}
            results.append(
                api(
                    base,
                    hostile_token,
                    "PATCH",
                    "apis/apps/v1/namespaces/default/deployments/huge/scale",
                    scale,
                    "application/merge-patch+json",
                )
            )
            results.append(
                api(
                    base,
                    hostile_token,
                    "PATCH",
                    "apis/apps/v1/namespaces/default/deployments/huge",
                    scale,
                    "application/merge-patch+json",
                )
            )
            job = {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": "huge"},
                "spec": {
                    "completions": 10**9,
                    "parallelism": 10**9,
                    "backoffLimit": 10**9,
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "busybox:1.36", "command": ["true"]}],
                        }
                    },
                },
            }
            results.append(api(base, hostile_token, "POST", "apis/batch/v1/namespaces/default/jobs", job))
            notes["huge scale"] = "create, /scale, patch, Job: " + ", ".join(
                f"{status or 'no answer'} in {seconds:.1f} s" for status, seconds in results
            )

        phase("huge scale", scale_attack)

        def big_attack():
            results = []
            for n in range(12):
                config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"big-{n}"}}
                config_map["data"] = {"blob": "x" * 1_000_000}
                results.append(
                    api(base, hostile_token, "POST", "api/v1/namespaces/default/configmaps", config_map)
                )
            containers = [{"name": f"c{n}", "image": "busybox:1.36"} for n in range(10_000)]
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "wide"},
                "spec": {"containers": containers},
            }
            results.append(api(base, hostile_token, "POST", "api/v1/namespaces/default/pods", pod))
            codes = [status for status, _s in results]
            notes["big objects"] = (
                f"1 MB ConfigMaps: {', '.join(str(c or 'no answer') for c in codes[:12])} "
                f"(slowest {max(s for _c, s in results[:12]):.1f} s); 10,000-container pod: "
                f"{codes[12] or 'no answer'} in {results[12][1]:.1f} s"
            )

        phase("big objects", big_attack)

        def sandboxes_attack():
            made = refused = 0
            for _ in range(40):
                if Visitor(base, hostile.address).new_sandbox():
                    made += 1
                else:
                    refused += 1
            notes["many sandboxes"] = f"40 fresh cookie jars from one address: {made} made, {refused} refused"

        phase("many sandboxes", sandboxes_attack)

        def close_watches():
            for sock in watches:
                sock.close()
            watches.clear()

        phase("after (watches closed)", close_watches)
        return {**probe.finish(), "notes": notes, "load": load}
    finally:
        for sock in watches:
            sock.close()
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs; each figure is the median over them")
    parser.add_argument("--hold", type=float, default=10, help="seconds each phase lasts at least")
    parser.add_argument("--no-write", action="store_true", help="print only; do not update RESULTS.md")
    args = parser.parse_args()

    runs = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="vsk-abuse-") as work:
            runs.append(run_once(Path(work), args.hold))
        print(f"run {n + 1}: {json.dumps(runs[-1]['notes'])}", flush=True)

    from benchmarks.engine import machine, write_section

    def med(values):
        return statistics.median(values) if values else float("nan")

    lines = [
        "## Abuse (`benchmarks/abuse.py`)",
        "",
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d}. gunicorn with gunicorn.conf.py (2 workers x "
        "232 gthread threads, streams capped at 200 per worker and an eighth of the threads kept for ordinary "
        "requests), DEBUG off, SQLite; the hostile visitor and the probe run on the same machine. The probe asks "
        "for /healthz and a learner's sandbox page on fresh connections, back to back every 0.2 s. "
        f"{args.runs} runs; each figure is the median over the runs. Target: p95 under {TARGET_MS} ms in every phase.",
        "",
        "| Phase | /healthz p50 | /healthz p95 | page p50 | page p95 | failed probes | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in runs[0]["samples"]:
        figures = {}
        for kind in ("healthz", "page"):
            per_run = [r["samples"].get(name, {}).get(kind) or [] for r in runs]
            figures[kind] = (
                med([statistics.median(v) for v in per_run if v]),
                med([percentile(v, 0.95) for v in per_run if v]),
            )
        failed = sum(r["failed"].get(name, 0) for r in runs)
        met = max(figures["healthz"][1], figures["page"][1]) < TARGET_MS
        lines.append(
            f"| {name} | {figures['healthz'][0]:.0f} ms | {figures['healthz'][1]:.0f} ms | {figures['page'][0]:.0f} ms "
            f"| {figures['page'][1]:.0f} ms | {failed} | {'met' if met else '**missed**'} |"
        )
    lines += [
        "",
        "Load average (1 min) as each run started: " + ", ".join(r["load"] for r in runs) + ".",
        "",
        "What the hostile visitor got, run by run:",
        "",
    ]
    for key in runs[0]["notes"]:
        lines.append(
            f"* {key}: " + "; ".join(f"run {n + 1}: {r['notes'].get(key, '')}" for n, r in enumerate(runs))
        )
    lines.append("")
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section("## Abuse (", section)


if __name__ == "__main__":
    main()
