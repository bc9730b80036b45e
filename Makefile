# The two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
export DJANGO_SETTINGS_MODULE ?= portal.settings.dev

RUN_DEBS := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext
TEST_DEBS := postgresql redis-server chromium poppler-utils curl unzip nginx

.PHONY: run test setup debs test-debs services services-stop test-sqlite test-postgres lint clean chaos bench

run: setup
	@tools/run.sh

setup: debs $(VENV)/.installed node_modules/.installed
	@mkdir -p var
	@$(PY) manage.py compilemessages --ignore '.venv' --ignore 'node_modules' -v0
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py load_demo

debs:
	@tools/debian-deps.sh $(RUN_DEBS)
	@# Node.js may come from elsewhere than Debian (then Debian's npm would conflict with it).
	@command -v npm >/dev/null || tools/debian-deps.sh nodejs npm

test-debs:
	@tools/debian-deps.sh $(TEST_DEBS)

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

services: test-debs
	@# Elasticsearch's test distribution comes from Maven Central through mvn; Java 21+ runs it.
	@command -v mvn >/dev/null || tools/debian-deps.sh maven
	@tools/services.sh start

services-stop:
	@tools/services.sh stop

# The whole suite: SQLite (with the browser tests), then PostgreSQL + Redis + Elasticsearch.
test: setup services lint
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== tests on SQLite (embedded default) + browser =="
	@DJANGO_SETTINGS_MODULE=portal.settings.test DATABASE_URL= REDIS_URL= \
	  $(PYTEST) -m "not redis and not postgres and not elasticsearch" -q

test-postgres:
	@echo "== tests on PostgreSQL + Redis + Elasticsearch =="
	@eval "$$(tools/services.sh env)"; \
	  DJANGO_SETTINGS_MODULE=portal.settings.test DATABASE_URL=$$TEST_DATABASE_URL REDIS_URL=$$TEST_REDIS_URL \
	  TEST_ELASTICSEARCH_URL=$$TEST_ELASTICSEARCH_URL $(PYTEST) -m "not browser" -q

# Fault drills and the restore drill on a stack of their own (PostgreSQL, Redis and
# Elasticsearch on other ports than `make services`): see docs/operations.md.
chaos: debs test-debs $(VENV)/.installed node_modules/.installed
	@command -v mvn >/dev/null || tools/debian-deps.sh maven
	@$(PY) -m chaos

# Benchmarks B1–B9 against their baselines on a stack of their own (bench/README.md);
# e.g. `make bench BENCH_ARGS="--scale 1000000"`.
bench: debs test-debs $(VENV)/.installed node_modules/.installed
	@command -v mvn >/dev/null || tools/debian-deps.sh maven
	@$(PY) -m bench.run $(BENCH_ARGS)

lint: $(VENV)/.installed
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

clean:
	rm -rf var/static var/test-media var/test-artifacts
