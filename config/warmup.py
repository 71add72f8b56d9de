"""What a web worker loads before it takes its first request.

Left to the first requests, each worker would parse every lab (about 0.4 s a language),
scenario and concept, and compile its templates, while holding the interpreter: the other
threads' requests wait behind it. A class that meets a freshly started server saw its
first seconds' polls take seconds (benchmarks/RESULTS.md, workshop on PostgreSQL).
gunicorn.conf.py's post_worker_init calls this before the worker accepts a connection;
what it loads is then frozen with the rest of the start-up heap.
"""

from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.utils import translation


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


def template_names() -> list[str]:
    """The project's own templates (templates/), by the names views use."""
    found = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        root = Path(folder)
        found += sorted(str(path.relative_to(root)) for path in root.rglob("*.html"))
    return found
