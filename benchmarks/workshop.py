"""Workshop benchmark: run `.venv/bin/python benchmarks/workshop.py` (see the README).

A workshop of N learners (default 200) on one machine: gunicorn (2 workers x 8 gthread
threads, SQLite) on loopback; every learner joins over HTTP, then each acts every few
seconds, as a lab page does (its task list polls every 3 s; now and then a kubectl
command in the page's console), while the instructor's dashboard grid refreshes every
3 s. Reports response times per kind of request and the server's CPU use.

`--postgres`: the production shape instead (issue 18): a throwaway PostgreSQL, two app
servers on it (A and B, each 2 workers x 8 threads), no sticky sessions (each request
goes to either server at random), lab checks off the request path (TASKS_BACKEND=database
and a `manage.py db_worker` process); this script is the load generator, in its own
process.

Rewrites the workshop section of benchmarks/RESULTS.md (`--postgres`: its own section).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import percentile, start  # noqa: E402
from benchmarks.server import stop as stop_servers  # noqa: E402


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def csrf(jar) -> str:
    return next(c.value for c in jar if c.name == "csrftoken")


def post(client, jar, url: str, data: dict, referer: str):
    body = urllib.parse.urlencode(data, doseq=True).encode()
    request = urllib.request.Request(url, data=body, headers={"X-CSRFToken": csrf(jar), "Referer": referer})
    return client.open(request, timeout=60)


def server_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            pass
    return total


def children(pid: int) -> list[int]:
    found = [pid]
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            if path.read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(path.parent.name))
        except (OSError, IndexError):
            pass
    return found


def run_once(args) -> dict:
    """One workshop on a fresh server and database; the figures of that run."""
    if not args.postgres:
        return _run(args, {})
    from tests.postgres import running

    with running() as url:
        return _run(args, {"DATABASE_URL": url, "TASKS_BACKEND": "database"})


def _run(args, extra: dict) -> dict:
    work = Path(tempfile.mkdtemp())
    logs: list[Path] = []

    def logged(name: str) -> dict:
        """With --postgres each server writes an access log with each request's time in
        the server, so the report can tell the server's time from the time a request
        waited (for a thread, or for a core the load generator also wants)."""
        if not args.postgres:
            return {}
        log = work / f"access-{name}.log"
        logs.append(log)
        return {"GUNICORN_CMD_ARGS": f"--access-logfile {log} --access-logformat '%(M)s %(m)s %(U)s'"}

    limit = str(args.learners * 2)
    shape = {"workers": args.workers, "threads": args.threads}
    server, base, env = start(work, **shape, WORKSHOP_JOIN_LIMIT=limit, **extra, **logged("a"))
    servers, bases = [server], [base]
    if args.postgres:
        second, second_base, _ = start(work, **shape, WORKSHOP_JOIN_LIMIT=limit, **extra, **logged("b"))
        servers.append(second)
        bases.append(second_base)
        servers.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def pick(rng) -> str:
        """Either server: a learner's session lives in the database, not in a process."""
        return rng.choice(bases)

    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth.models import User; User.objects.create_user('ann', password='bench-pass-1')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    try:
        teacher, teacher_jar = opener()
        teacher.open(base + "/accounts/login/")
        post(
            teacher,
            teacher_jar,
            base + "/accounts/login/",
            {"username": "ann", "password": "bench-pass-1"},
            base,
        )
        now = datetime.now()
        made = post(
            teacher,
            teacher_jar,
            base + "/workshops/",
            {
                "title": "Benchmark",
                "labs": ["self-healing"],
                "starts": now.strftime("%Y-%m-%dT%H:%M"),
                "ends": now.replace(year=now.year + 1).strftime("%Y-%m-%dT%H:%M"),
                "capacity": str(args.learners),
            },
            base + "/workshops/",
        )
        dashboard = made.geturl()
        code = re.search(r'class="join-code">Code <strong>([A-Z0-9]+)', made.read().decode()).group(1)

        began = time.monotonic()
        learners = []
        join_times = []
        for index in range(args.learners):
            client, jar = opener()
            client.open(f"{base}/join/{code}")
            t = time.perf_counter()
            page = post(client, jar, base + "/join/", {"code": code, "name": f"learner-{index}"}, base)
            join_times.append((time.perf_counter() - t) * 1000)
            lab_url = page.geturl()
            sandbox = re.search(r"/labs/attempt/([0-9a-f-]+)/", lab_url).group(1)
            learners.append((client, jar, lab_url, sandbox))
        join_seconds = time.monotonic() - began

        latencies: dict[str, list[float]] = {"lab poll": [], "console command": [], "dashboard": []}
        errors = [0]
        stop = time.monotonic() + args.seconds
        pids = [pid for process in servers for pid in children(process.pid)]
        for log in logs:
            log.write_text("")  # the joins' lines go; gunicorn appends at the new end
        cpu_before = server_cpu(pids)
        own_before = time.process_time()
        wall_before = time.monotonic()

        def learner_loop(client, jar, lab_url, sandbox):
            rng = random.Random(sandbox)  # noqa: S311 - load shape, not a secret
            time.sleep(rng.uniform(0, args.interval))
            while time.monotonic() < stop:
                kind = "console command" if rng.random() < 0.2 else "lab poll"
                host = pick(rng)
                t = time.perf_counter()
                try:
                    if kind == "lab poll":
                        request = urllib.request.Request(
                            host + lab_url.removeprefix(base), headers={"HX-Request": "true"}
                        )
                        client.open(request, timeout=60).read()
                    else:
                        command = rng.choice(
                            ["kubectl get pods", "kubectl scale deployment web --replicas=5"]
                        )
                        request = urllib.request.Request(
                            f"{host}/playground/{sandbox}/kubectl",
                            data=urllib.parse.urlencode({"command": command}).encode(),
                            headers={"X-CSRFToken": csrf(jar), "Referer": lab_url, "HX-Request": "true"},
                        )
                        client.open(request, timeout=60).read()
                    latencies[kind].append((time.perf_counter() - t) * 1000)
                except OSError:
                    errors[0] += 1
                time.sleep(rng.expovariate(1 / args.interval))

        def dashboard_loop():
            rng = random.Random("instructor")  # noqa: S311 - load shape, not a secret
            while time.monotonic() < stop:
                host = pick(rng)
                t = time.perf_counter()
                try:
                    teacher.open(
                        urllib.request.Request(
                            host + dashboard.removeprefix(base), headers={"HX-Request": "true"}
                        ),
                        timeout=60,
                    ).read()
                    latencies["dashboard"].append((time.perf_counter() - t) * 1000)
                except OSError:
                    errors[0] += 1
                time.sleep(3)

        threads = [threading.Thread(target=learner_loop, args=learner) for learner in learners]
        threads.append(threading.Thread(target=dashboard_loop))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - wall_before
        cpu = (server_cpu(pids) - cpu_before) / wall
        own_cpu = (time.process_time() - own_before) / wall
    finally:
        stop_servers(*servers)

    return {
        "latencies": latencies,
        "server": _server_times(logs),
        "join_times": join_times,
        "join_seconds": join_seconds,
        "errors": errors[0],
        "cpu": cpu,
        "load_cpu": own_cpu,
        "requests": sum(len(v) for v in latencies.values()),
    }


def _server_times(logs: list[Path]) -> dict[str, list[float]]:
    """Each kind of request's time in the server (ms), from the access logs."""
    times: dict[str, list[float]] = {"lab poll": [], "console command": [], "dashboard": []}
    for log in logs:
        for line in log.read_text().splitlines():
            millis, method, path = (line.split() + ["", "", ""])[:3]
            if not millis.isdigit():
                continue
            if method == "POST" and path.endswith("/kubectl"):
                times["console command"].append(float(millis))
            elif path.startswith("/workshops/"):
                times["dashboard"].append(float(millis))
            elif method == "GET" and "/labs/attempt/" in path:
                times["lab poll"].append(float(millis))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--interval", type=float, default=4.0, help="mean seconds between a learner's requests"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs; each figure is the median over them")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes per server")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL, two app servers and a check worker (issue 18)"
    )
    args = parser.parse_args()

    runs = [run_once(args) for _ in range(args.repeat)]

    def med(values):
        return statistics.median(values)

    def spread(per_run: list[list[float]]) -> str:
        """The p50 | p95 | p99 cells: each percentile the median over the runs."""
        cells = [med([statistics.median(v) for v in per_run])]
        cells += [med([percentile(v, p) for v in per_run]) for p in (0.95, 0.99)]
        return " | ".join(f"{cell:.0f} ms" for cell in cells)

    from benchmarks.engine import machine, write_section

    requests = med([r["requests"] for r in runs])
    title = (
        f"## Workshop on PostgreSQL, {args.learners} learners (`benchmarks/workshop.py --postgres`)"
        if args.postgres
        else "## Workshop (`benchmarks/workshop.py`)"
    )
    shape = (
        "A throwaway PostgreSQL, two app servers on it (each gunicorn 2 workers x 8 gthread threads), each "
        "request sent to either at random (no sticky sessions), lab checks in a `manage.py db_worker` process; "
        "the load generator is its own process on the same machine (2 cores shared by all)"
        if args.postgres
        else "gunicorn, 2 workers x 8 gthread threads, SQLite; the load generator runs on the same machine"
    )
    lines = [
        title,
        "",
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d}. {shape}. "
        f"{args.learners} learners in the self-healing lab, each acting every "
        f"{args.interval:.0f} s on average for {args.seconds:.0f} s (80 % task-list polls, 20 % console commands), "
        f"and the instructor's grid refreshing every 3 s. "
        + ("1 run." if args.repeat == 1 else f"{args.repeat} runs; each figure is the median over the runs."),
        "",
        f"* Joining: {args.learners} learners in {med([r['join_seconds'] for r in runs]):.1f} s (each join builds the "
        f"learner's sandbox); p50 {med([statistics.median(r['join_times']) for r in runs]):.0f} ms, "
        f"p95 {med([percentile(r['join_times'], 0.95) for r in runs]):.0f} ms.",
        f"* {requests:.0f} requests in {args.seconds:.0f} s ({requests / args.seconds:.0f}/s), "
        f"{sum(r['errors'] for r in runs)} errors in all runs; server CPU {med([r['cpu'] for r in runs]) * 100:.0f} % "
        f"of one core (of {os.cpu_count()}; app servers{' and check worker' if args.postgres else ''}); "
        f"the load generator's own CPU {med([r['load_cpu'] for r in runs]) * 100:.0f} % of one core.",
        "",
        "| Request | count | p50 | p95 | p99 | p50 of each run |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for kind in runs[0]["latencies"]:
        per_run = [r["latencies"][kind] for r in runs if r["latencies"][kind]]
        if per_run:
            lines.append(
                f"| {kind} | {med([len(v) for v in per_run]):.0f} | {spread(per_run)} "
                f"| {', '.join(f'{statistics.median(v):.0f}' for v in per_run)} ms |"
            )
    if args.postgres:
        lines += [
            "",
            "Time in the app server (its access logs: from reading the request to writing the reply), "
            "the rest of each figure above being the wait for a server thread or a core:",
            "",
            "| Request | p50 | p95 | p99 |",
            "| --- | --- | --- | --- |",
        ]
        for kind in runs[0]["server"]:
            per_run = [r["server"][kind] for r in runs if r["server"][kind]]
            if per_run:
                lines.append(f"| {kind} | {spread(per_run)} |")
    lines.append("")
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section(title.split("(")[0] + "(", section)


if __name__ == "__main__":
    main()
