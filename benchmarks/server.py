"""The app under gunicorn for the HTTP benchmarks: production settings on a throwaway
SQLite database, threaded workers (a watch or a learner's poll holds a thread)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def settings_env(work: Path, database: str = "bench.sqlite3", **extra_env: str) -> dict:
    """Production settings on a throwaway SQLite database in `work`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{work / database}",
        DEBUG="false",
        SECRET_KEY="benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1",
        **extra_env,
    )
    return env


def start(
    work: Path, workers: int = 2, threads: int = 8, **extra_env: str
) -> tuple[subprocess.Popen, str, dict]:
    """(process, base URL, environment) once /healthz answers."""
    env = settings_env(work)
    env.update(
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        STATIC_ROOT=str(work / "static"),
        **extra_env,
    )
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread"),
            *("--threads", str(threads)),
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return server, base, env


def stop(*processes: subprocess.Popen) -> None:
    """Terminate each server, and kill one that has not exited 15 s later."""
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
