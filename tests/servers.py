"""The production stack started for real by tests: settings from the environment, and
gunicorn on a free loopback port.

gunicorn runs in a process group of its own, and `stop` ends the whole group: the
workers too, even when the master is gone, and however the fixture's setup ended."""

import contextlib
import ctypes
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(work: Path, **extra: str) -> dict:
    """Production settings (DEBUG off) on a throwaway SQLite database, migrated."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "STATIC_ROOT": str(work / "static"),
            **extra,
        }
    )
    manage(env, "migrate", "--noinput")
    return env


def manage(env: dict, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def start_gunicorn(env: dict, work: Path, options=(), tls: tuple[Path, Path] | None = None, port: int = 0):
    """(process, base URL) once /healthz answers; on `port` to come back where it was.
    gunicorn reads the project's gunicorn.conf.py (gthread workers) as production does.
    Stopped again (the whole process group) if it does not get ready."""
    port = port or free_port()
    log_path = work / f"gunicorn-{port}.log"
    args = ["--bind", f"127.0.0.1:{port}", "--error-logfile", str(log_path), *options]
    if tls:
        args += ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), *args, "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_end_with_parent,
    )
    try:
        base = _ready(process, port, tls)
    except BaseException:
        stop(process)
        raise
    if base is None:
        stop(process)
        raise RuntimeError(log_path.read_text() if log_path.exists() else "gunicorn did not start")
    return process, base


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when the test run dies without tearing down
    (Linux's PR_SET_PDEATHSIG), so not even a killed run leaves gunicorn behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # 1: PR_SET_PDEATHSIG


def _ready(process: subprocess.Popen, port: int, tls) -> str | None:
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    context = ssl._create_unverified_context() if tls else None
    # A busy machine (a CI run beside other work) can take long to start gunicorn and to
    # answer its first request: a generous deadline, and a slow answer is retried too.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=10, context=context)
            return base
        except OSError:  # URLError, ConnectionError and socket timeouts alike
            if process.poll() is not None:
                return None
            time.sleep(0.2)
    return None


@contextlib.contextmanager
def gunicorn(env: dict, work: Path, options=(), tls: tuple[Path, Path] | None = None, port: int = 0):
    """start_gunicorn as a context: (process, base URL), stopped on the way out however
    the block ends (a fixture's failed setup included)."""
    process, base = start_gunicorn(env, work, options, tls, port)
    try:
        yield process, base
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """End the process and its group (gunicorn's workers, which may outlive their master):
    SIGTERM, then SIGKILL for whatever is left after 15 s."""
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(process, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10  # SIGKILL is delivered, not waited for: wait here
    while _signal_group(process, 0) and time.monotonic() < deadline:
        time.sleep(0.05)


def _signal_group(process: subprocess.Popen, signum: int) -> bool:
    """Whether the group still had a process to signal."""
    try:
        os.killpg(process.pid, signum)  # the group's id is the master's (start_new_session)
    except ProcessLookupError:
        return False  # the group is empty: everything has ended
    return True
