"""Settings for the vSphere-to-Kubernetes learning app.

Every value that differs between a laptop and production comes from the environment
(see the README). With no environment at all the app runs in development mode on
SQLite, which is what `make run` relies on.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", True)

# A fixed key is acceptable only in development: sessions signed with it are
# worthless. Production must provide its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is false.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# Lab checks (playground/checks_worker.py) run as tasks. "immediate" (the default) runs
# them at once in the process that enqueues them, so `make run` needs nothing else;
# "database" queues them in the database for `python manage.py db_worker` to run, and
# requests only read what the worker recorded.
TASKS_BACKEND = envstr("TASKS_BACKEND", "immediate")
if TASKS_BACKEND not in ("immediate", "database"):
    raise ImproperlyConfigured("TASKS_BACKEND must be immediate or database.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",  # the tasks framework's backport (Django 6's django.tasks): see TASKS
    "django_tasks_db",  # its database backend's queue table, and the db_worker command
    "concepts",
    "playground",
    "translator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common (Django's order): the URL prefix, then the language
    # cookie, then Accept-Language choose the language.
    "django.middleware.locale.LocaleMiddleware",
    "config.i18n.FirstVisitLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "concepts.context_processors.site_navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

_database_url = envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# On PostgreSQL each new connection is a new server process that loads its catalogue
# caches again: opened per request, that was most of a task-list poll's time in the
# workshop benchmark. So a connection is kept for a minute (checked before reuse);
# SQLite's cost nothing to open.
_keep_connections = 60 if _database_url.startswith(("postgres", "pgsql")) else 0
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", _keep_connections),
        conn_health_checks=True,
    )
}
# SQLite writes ahead (readers never wait for the writer) and syncs the disk at checkpoints,
# not at every commit: two syncs per commit were several ms of every sandbox save.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's cache holds counts that every server process must agree on (the workshop join
# limit), so it lives in the database too; migration 0011 makes its table.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "vsk_cache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Interface languages (docs/i18n.md): English at the usual URLs, Simplified Chinese under
# /zh-hans/. Content translations (concepts.i18n) fail check_content when missing only for
# the languages listed as complete.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Languages whose teaching content is complete: check_content fails on any missing or
# outdated translation in them (docs/i18n.md).
CONTENT_LANGUAGES_COMPLETE: list[str] = ["zh-hans"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security: strict in production, relaxed only where plain-http development needs it.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# What a page may load and use (config/security.py). Everything is served from this origin;
# scripts never inline and never eval'd. Styles allow 'unsafe-inline' for xterm.js, which
# writes <style> elements at run time, and for style attributes (meters).
CONTENT_SECURITY_POLICY = envstr(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'",
)
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
# Behind a TLS-terminating proxy, it tells us the original scheme.
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain http by load balancers inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Requests larger than this are refused before a view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# The `dot` program from graphviz renders diagrams; its path can be overridden.
GRAPHVIZ_DOT = envstr("GRAPHVIZ_DOT", "dot")

# The Kubernetes API of each sandbox (/k8s/<token>/…). A watch or `logs -f` holds a
# worker thread, so streams end after this many seconds (kubectl reconnects).
KUBE_API_WATCH_SECONDS = envint("KUBE_API_WATCH_SECONDS", 300)
# Open streams (watches and `logs -f`) at once: per server process (counted in it), and
# per sandbox and per client address (counted in the database, so across every process);
# beyond, 429 with Retry-After. Under gunicorn a process also keeps an eighth of its
# threads (at least 2) for ordinary requests, whatever these say
# (playground/kubeapi/streams.py, gunicorn.conf.py). 0 turns a cap off. Each process
# marks its streams alive every KUBE_API_STREAMS_REFRESH_SECONDS; a killed process's
# streams stop counting after three of those.
KUBE_API_STREAMS_PER_PROCESS = envint("KUBE_API_STREAMS_PER_PROCESS", 200)
KUBE_API_STREAMS_PER_SANDBOX = envint("KUBE_API_STREAMS_PER_SANDBOX", 40)
KUBE_API_STREAMS_PER_ADDRESS = envint("KUBE_API_STREAMS_PER_ADDRESS", 100)
KUBE_API_STREAMS_REFRESH_SECONDS = envint("KUBE_API_STREAMS_REFRESH_SECONDS", 10)
# The origin written into downloaded kubeconfigs, when the app sits behind a proxy
# whose public address differs from the Host header (e.g. https://k8s-labs.example.org).
KUBE_API_PUBLIC_URL = envstr("KUBE_API_PUBLIC_URL", "")

# Instructors sign in with Django accounts (made in /admin/ or with createsuperuser).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "playground:workshops"
LOGOUT_REDIRECT_URL = "home"
# Limits on anonymous use (see "Limits and abuse" in the README). Sandboxes per visitor
# (session); made per client address per hour, and held per address at once, counted in
# the database so every server process agrees. 0 turns a limit off. A workshop's
# sandboxes are bounded by its capacity instead.
SANDBOXES_PER_VISITOR = envint("SANDBOXES_PER_VISITOR", 12)
SANDBOXES_PER_ADDRESS_PER_HOUR = envint("SANDBOXES_PER_ADDRESS_PER_HOUR", 30)
SANDBOXES_PER_ADDRESS = envint("SANDBOXES_PER_ADDRESS", 100)
# What one sandbox may hold and cost (README, "Limits and abuse"): the bytes of its saved
# state (a change that would pass it is refused; sized for the engine's 2000-object cap),
# its snapshots kept (the oldest automatic ones go first, by count and by total bytes), and
# the engine work one request may do (reconcile steps and milliseconds; the rest stays
# queued for the next visit).
SANDBOX_STATE_MAX_BYTES = envint("SANDBOX_STATE_MAX_BYTES", 8 * 1024 * 1024)
SANDBOX_SNAPSHOTS_KEPT = envint("SANDBOX_SNAPSHOTS_KEPT", 40)
SANDBOX_SNAPSHOTS_MAX_BYTES = envint("SANDBOX_SNAPSHOTS_MAX_BYTES", 32 * 1024 * 1024)
# Sandboxes whose last saved cluster a server process keeps for their next change
# (playground/warm.py): about 3 MB each for a 44-pod sandbox; 0 keeps none.
SANDBOX_CLUSTERS_KEPT = envint("SANDBOX_CLUSTERS_KEPT", 16)
ENGINE_STEPS_PER_REQUEST = envint("ENGINE_STEPS_PER_REQUEST", 10000)
ENGINE_MILLISECONDS_PER_REQUEST = envint("ENGINE_MILLISECONDS_PER_REQUEST", 3000)
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: the client is
# REMOTE_ADDR and the header is ignored (config/clientip.py).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# Sign-in throttling for /accounts/login/ and /admin/login/ (django-axes, in the database so
# every process agrees): after LOGIN_FAILURE_LIMIT failures for one user name from one
# address, even the right password is refused until LOGIN_COOLOFF_MINUTES have passed
# since the last failure. A successful sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "config.clientip.client_address"
AXES_VERBOSE = False
# Join attempts per address per 10 minutes, so workshop codes cannot be enumerated. A
# classroom behind one NAT address needs more than the default; so does the benchmark.
WORKSHOP_JOIN_LIMIT = envint("WORKSHOP_JOIN_LIMIT", 60)
