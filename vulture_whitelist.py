"""Names vulture cannot see used, because a framework or a string refers to them.

`make test` runs vulture (configured in pyproject.toml's [tool.vulture]) over the code
and the tests; anything it reports is dead and goes, unless something outside Python's
own name references reaches it. Each such entry point is listed here, with who calls it.
Framework conventions that recur everywhere (Django's urlpatterns, Meta, admin options,
pytest's pytestmark, http.server's do_GET...) are in [tool.vulture] ignore_names instead.
"""

# ruff: noqa: B018, F821  (bare names and attributes are how vulture whitelists work)

# Django reads these from settings by dotted path.
SecurityHeadersMiddleware  # config.settings.MIDDLEWARE
site_navigation  # config.settings.TEMPLATES context_processors
PlaygroundConfig, ConceptsConfig, TranslatorConfig  # INSTALLED_APPS' AppConfig classes
app_configs  # concepts.checks: the system check signature Django calls

# config/settings.py (excluded from the scan: Django reads every name in it) calls these.
envstr, envbool, envint, envlist
_.DEBUG  # django.conf.settings, set by a browser test

# Django templates read these attributes and properties by name.
_.category_title, _.reference_titles  # concepts.catalogue.Concept, in concept templates
_.instructions, _.explanation, _.intro  # playground.labs dataclasses, in lab templates

# Django model fields and attributes the ORM or templates read.
_.message_at, _.kubernetes_version, _.stopped, _.related_uid, _.problem_at

# Django model field hooks (playground.models.PackedTextField), called by the ORM.
_.from_db_value, _.value_to_string

# Django path converters (playground.mirror.views), called by the URL resolver.
_.to_python, _.to_url

# Kubernetes Python client Configuration options, read by the client.
_.connection_pool_maxsize, _.retries, _.api_key

# Kept so the heartbeat thread object stays reachable for the informer's lifetime.
_._beat_thread

# Module __getattr__ (PEP 562): playground.engine.kinds' live views TYPES/BY_KIND.
__getattr__

# Scheduler plugins: the framework calls extension-point methods by name (framework.METHODS).
_.less  # QueueSort
# Describers registered with @describer(kind) are found through describe's registry.

# Owned by the performance work in progress (engine/store.py, kubelet.py, events.py);
# unused today. Left to that work to use or remove rather than edited from here.
_.namespaces_of  # store.Store
START_SECONDS  # kubelet
_.unpack, pack  # events

# pytest fixtures a test requests only for their side effect.
widgets_everywhere  # tests/playground/engine/test_registry.py

# The CRD work landing in registry/apiextensions: the module's registered Strategy.
STRATEGY

# Called by gunicorn.conf.py's post_worker_init hook (gunicorn reads that file; vulture does not).
fit_thread_pool  # playground/kubeapi/streams.py
warm_up  # config/warmup.py

# Django settings a test sets (pytest-django's settings fixture).
_.TASKS  # tests/playground/test_checks_worker.py

# PyYAML calls a Dumper's ignore_aliases (translator.service._Dumper).
_.ignore_aliases
_.addheaders  # urllib's OpenerDirector reads it (benchmarks/abuse.py)
_.kube_user  # Sandbox.kube_user, read by templates/playground/_identities.html
_.checking  # workshops.Row.checking, read by templates/playground/workshop.html

# Django middleware named by its dotted path in settings.MIDDLEWARE (config/i18n.py).
FirstVisitLanguageMiddleware
