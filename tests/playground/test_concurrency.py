"""Two server processes never lose each other's changes: real processes, real databases."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import postgres

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 5
CHANGES = 4

SETUP = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from playground import sandboxes
"""

CREATE = (
    SETUP
    + """
print(sandboxes.create("owner", "shared", profile="minimal").public_id)
"""
)

WORKER = (
    SETUP
    + """
import sys
public_id, worker = sys.argv[1], sys.argv[2]
for i in range({changes}):
    name = f"cm-{{worker}}-{{i}}"
    sandboxes.change("owner", public_id, lambda c: c.apply({{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": name}}}}), name)
"""
)

CHECK = (
    SETUP
    + """
import sys
from playground.models import Sandbox
sandbox = Sandbox.objects.get(public_id=sys.argv[1])
cluster = sandboxes.restore(sandbox.state)
names = sorted(c["metadata"]["name"] for c in cluster.list("configmaps", namespace="default") if c["metadata"]["name"].startswith("cm-"))
print(sandbox.version, len(names), sandbox.snapshots.count())
"""
)


def run(env, code, *args):
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def hammer(database_url: str) -> tuple[int, int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = database_url
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    public_id = run(env, CREATE)
    code = WORKER.format(changes=CHANGES)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, public_id, str(w)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    for process in workers:
        assert process.wait(timeout=180) == 0, process.stderr.read()
    version, count, snapshots = (int(x) for x in run(env, CHECK, public_id).split())
    return version, count, snapshots


def test_concurrent_processes_on_sqlite_lose_nothing(tmp_path):
    version, count, snapshots = hammer(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert count == WORKERS * CHANGES
    assert version == 1 + WORKERS * CHANGES
    assert snapshots == WORKERS * CHANGES


@pytest.fixture(scope="module")
def postgres_url():
    with postgres.running() as url:
        yield url


def test_concurrent_processes_on_postgresql_lose_nothing(postgres_url):
    version, count, snapshots = hammer(postgres_url)
    assert count == WORKERS * CHANGES
    assert version == 1 + WORKERS * CHANGES
    assert snapshots == WORKERS * CHANGES
