"""gunicorn.conf.py's worker start: the heap a worker has loaded by then is frozen out of
the cyclic collector's full passes (those passes walked the whole heap and paused watch
feeds for 100-300 ms; benchmarks/RESULTS.md)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import gc, json, os, runpy, types
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.contrib.auth.models import User  # the app as a worker has it loaded
before = gc.get_freeze_count()
conf = runpy.run_path("gunicorn.conf.py")
conf["post_worker_init"](types.SimpleNamespace(cfg=types.SimpleNamespace(threads=16)))
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold(),
                  "objects": len(gc.get_objects())}))
"""


def test_a_worker_freezes_what_it_loaded_and_collects_full_passes_rarely():
    result = subprocess.run(
        [sys.executable, "-c", WORKER], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["before"] == 0
    # Django and the app's modules are tens of thousands of objects: all frozen, and the
    # collector now tracks only what the worker allocates after this.
    assert found["frozen"] > 30_000 and found["objects"] - found["frozen"] < 1_000
    assert found["threshold"] == [700, 10, 100]
