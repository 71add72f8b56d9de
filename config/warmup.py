"""What a web worker loads before it takes its first request.

Left to the first requests, each worker would parse every lab (about 0.4 s a language),
scenario and concept, compile its templates and run the engine's code for the first time,
while holding the interpreter: the other threads' requests wait behind it. And each thread
would open its database connection (a new PostgreSQL server process, whose first queries
read the catalogue) as its first request came. A class that meets a freshly started
server saw its first seconds' polls take seconds (benchmarks/RESULTS.md, workshop on
PostgreSQL). gunicorn.conf.py's post_worker_init calls this before the worker accepts a
connection; what it loads is then frozen with the rest of the start-up heap.
"""

import logging
import threading
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.utils import translation

log = logging.getLogger(__name__)

CONNECTED_THREADS = 8  # threads that open their connection at start (a pool may have 232)


def warm_up() -> None:
    from concepts.catalogue import catalogue
    from concepts.i18n import active_language
    from playground.labs import labs
    from playground.scenarios import scenarios

    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # its message catalogue too
            labs()
            scenarios()
            catalogue(active_language())
    for name in template_names():
        try:
            get_template(name)  # compiled once per process by the cached loader (DEBUG off)
        except (TemplateDoesNotExist, TemplateSyntaxError):  # a partial meant for another engine
            continue
    _run_engine()


def _run_engine() -> None:
    """A lab's cluster built, saved, loaded and read by the console, as a learner's first
    command would (nothing is stored)."""
    from playground import sandboxes
    from playground.kubectl import console
    from playground.labs import labs

    lab = next(iter(labs().values()))
    cluster = sandboxes.restore(sandboxes.dump(sandboxes.build(lab.profile, 0, lab)))
    console.run(cluster, console.parse("kubectl get pods -A"))


def connect_threads(pool, count: int = CONNECTED_THREADS, timeout: float = 10.0) -> int:
    """Open the database connection of `count` of the pool's threads (gunicorn's gthread
    worker's), each reading the tables requests read first; how many did. A database that
    does not answer is not waited for past `timeout`: requests will say so themselves."""
    arrived = threading.Barrier(count)

    def connect() -> bool:
        from django.db import connection

        from playground.models import LabAttempt, Sandbox, StatePart

        arrived.wait(timeout)  # each task on its own thread: the pool starts `count` of them
        for model in (Sandbox, LabAttempt, StatePart):
            model.objects.exists()
        return connection.connection is not None

    tasks = [pool.submit(connect) for _ in range(count)]
    opened = 0
    for task in tasks:
        try:
            opened += bool(task.result(timeout=timeout))
        except Exception:  # a timeout, a broken barrier, no database: never stop a worker starting
            log.warning("a web worker thread could not open its database connection at start", exc_info=True)
    return opened


def template_names() -> list[str]:
    """The project's own templates (templates/), by the names views use."""
    found = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        root = Path(folder)
        found += sorted(str(path.relative_to(root)) for path in root.rglob("*.html"))
    return found
