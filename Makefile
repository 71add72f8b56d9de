# The two commands the README promises: `make run` and `make test`.
# Everything else here is a step they depend on.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest worker processes: the suite mostly waits (servers, kubectl, sandbox clocks), so more
# workers than cores still shortens it; TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 3

# Debian packages as package:command-or-python-module pairs (or package:/a/file/it/installs).
# fonts-noto-cjk: graphviz measures and draws the diagrams' Chinese labels with it (zh-hans).
RUN_PACKAGES := python3-venv:python:ensurepip graphviz:dot fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
TEST_PACKAGES := $(RUN_PACKAGES) gettext:xgettext chromium:chromium postgresql:pg_ctlcluster kubernetes-client:kubectl npm:npm

.PHONY: run test lint format system-run system-test check-python clean vendor-xterm

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "error: Python 3.11 or newer is needed (found $$($(PYTHON) --version 2>&1))."; exit 1; }

system-run:
	@scripts/require-system-packages $(RUN_PACKAGES)

system-test:
	@scripts/require-system-packages $(TEST_PACKAGES)

$(VENV)/.installed-run: requirements.txt | check-python
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed-run
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

run: system-run $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: system-test $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/vulture  # dead code: settings in pyproject.toml, framework entry points in vulture_whitelist.py
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check_content
	scripts/fetch-test-assets
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the committed copy of xterm.js in static/vendor/xterm/ from npm (pinned versions).
vendor-xterm:
	scripts/vendor-xterm

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache test-artifacts
