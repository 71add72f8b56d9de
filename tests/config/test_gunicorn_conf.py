"""gunicorn.conf.py's worker start: what its first requests need is loaded before it takes
one, and the heap it has loaded by then is frozen out of the cyclic collector's full passes
(those passes walked the whole heap and paused watch feeds for 100-300 ms;
benchmarks/RESULTS.md)."""

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


WARMED = """
import json, os, runpy, types
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.update(DEBUG="false", SECRET_KEY="test-only-" + "k" * 50)  # the cached template loader
import django
django.setup()
from django.template import engines
from concepts.catalogue import catalogue
from playground.labs import _labs
from playground.scenarios import _scenarios
conf = runpy.run_path("gunicorn.conf.py")
conf["post_worker_init"](types.SimpleNamespace(cfg=types.SimpleNamespace(threads=16)))
loader = engines["django"].engine.template_loaders[0].loaders[0]  # template_partials wraps the cached one
misses = _labs.cache_info().misses
from django.utils import translation
from playground.labs import labs
with translation.override("zh-hans"):
    labs()["self-healing"]  # what a Chinese learner's first poll asks for
print(json.dumps({
    "labs": _labs.cache_info().currsize, "scenarios": _scenarios.cache_info().currsize,
    "catalogues": catalogue.cache_info().currsize,
    "templates": sorted(k for k in loader.get_template_cache if "playground/" in k),
    "parsed_at_first_request": _labs.cache_info().misses - misses,
}))
"""


def test_a_worker_loads_labs_scenarios_concepts_and_templates_before_its_first_request():
    """In each language; a first request then finds them loaded (they took about 0.4 s a
    language, holding the interpreter while the worker's other requests waited)."""
    result = subprocess.run(
        [sys.executable, "-c", WARMED], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["labs"] == found["scenarios"] == found["catalogues"] == 2  # English and Chinese
    assert "playground/_lab_tasks.html" in found["templates"]
    assert "playground/workshop.html" in found["templates"]
    assert found["parsed_at_first_request"] == 0
