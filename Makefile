# The two commands: `make run` (demo site on http://127.0.0.1:8000) and `make test` (suite on PostgreSQL).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
LOCK := requirements.lock
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run on PostgreSQL: DATABASE_URL if set, else the local server.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/participation
# Test databases are kept between local runs (`make test TEST_DB=--create-db` rebuilds them; CI always does),
# and the suite is shared between TEST_WORKERS processes (pytest-xdist; `auto`: one per core).
TEST_DB ?= --reuse-db
TEST_WORKERS ?= auto
# `make run` behaves like production (DEBUG off: French error pages). The links it prints and emails point at its
# own HOST and PORT, unless the caller set WAGTAILADMIN_BASE_URL (PUBLIC_BASE_URL follows it unless set too).
RUN_URL := http://$(HOST):$(PORT)
RUN_ENV := DEBUG=$${DEBUG:-0} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost,$(HOST)} \
	WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-$(RUN_URL)}

# A random key kept out of git for local runs and tests (production sets SECRET_KEY itself).
SECRET_KEY_FILE := .secret_key
export SECRET_KEY ?= $(shell test -s $(SECRET_KEY_FILE) || python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > $(SECRET_KEY_FILE); cat $(SECRET_KEY_FILE))

.PHONY: help install install-test browser-tools bench-tools run test fault bench lint format check lock clean

help:
	@echo "make run    install, migrate, load the demo data, serve on $(RUN_URL) and send its emails (printed)"
	@echo "make test   run the whole test suite on PostgreSQL"
	@echo "make fault  PostgreSQL restarted and Redis stopped while contributions are posted: nothing may be lost"
	@echo "make bench  the site under load at the demo's volume and at 1 M contributions, beside nginx (about 15 min)"
	@echo "make lint   ruff check + ruff format --check + the layers contract (lint-imports)"
	@echo "make lock   refresh $(LOCK) from the current virtualenv"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Stamps: a second run reinstalls only when pyproject.toml or the lock changed.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)
	$(PIP) install --constraint $(LOCK) --editable .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --constraint $(LOCK) --editable ".[test]"
	@touch $@

# The browser tests (tests/browser/) drive Debian's Chromium and run the Nu HTML validator on Java: both are
# installed from Debian's packages when absent (as root, or through sudo). Never a browser downloaded by Playwright.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)
browser-tools:
	@if [ ! -x $(CHROMIUM) ] || ! command -v java >/dev/null; then \
		echo "Installing Debian's chromium and default-jre-headless for the browser tests..."; \
		if ! command -v apt-get >/dev/null || { [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null; }; then \
			echo "Cannot install them here (no apt-get, or neither root nor sudo): install Debian's packages" \
				"chromium and default-jre-headless (Chromium at $(CHROMIUM), java on the PATH)." >&2; exit 1; \
		fi; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium default-jre-headless \
			|| { echo "Installing chromium and default-jre-headless failed: the browser tests need them." >&2; exit 1; }; \
	fi

# The bench loads the site with wrk and measures nginx serving the same HTML: Debian's packages, installed like the
# browser tools when absent (without wrk, a Python load generator stands in; without nginx, no limit is measured).
bench-tools:
	@if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then \
		echo "Installing Debian's wrk and nginx for the bench..."; \
		if ! command -v apt-get >/dev/null || { [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null; }; then \
			echo "Cannot install wrk and nginx here (no apt-get, or neither root nor sudo): the bench goes on" \
				"without them." >&2; \
		else \
			$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk nginx \
				|| echo "Installing wrk and nginx failed: the bench goes on without them." >&2; \
		fi; \
	fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test browser-tools

STATIC_SOURCES := $(shell find static */static -type f 2>/dev/null)
staticfiles/staticfiles.json: $(VENV)/.installed $(STATIC_SOURCES)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@touch $@

# The email worker runs beside the server (emails are queued, then sent by it: printed in this console), and is
# stopped with it.
run: install staticfiles/staticfiles.json
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput --verbosity 0
	$(RUN_ENV) $(BIN)/python manage.py load_demo
	@$(RUN_ENV) $(BIN)/python manage.py demo_admin --url $(RUN_URL)/admin/
	@echo "Site: $(RUN_URL)/   (Ctrl+C to stop)"
	$(RUN_ENV) $(BIN)/python manage.py email_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(TEST_DB) $(PYTEST_ARGS)

# Its own PostgreSQL cluster and Redis on other ports (never the machine's), gunicorn and the task worker.
fault: install-test staticfiles/staticfiles.json
	$(BIN)/python tests/fault/fault_run.py $(FAULT_ARGS)

# Its own databases (participation_bench_small, participation_bench: kept between runs) on the PostgreSQL server of
# BENCH_DATABASE_SERVER, Redis's database 9 (BENCH_REDIS_URL), gunicorn on 8201 and nginx on 8202 (BENCH_PORT).
# BENCH_CONTRIBUTIONS (1000000) sets the large volume, BENCH_SECONDS (10) each measurement.
bench: install bench-tools staticfiles/staticfiles.json
	$(BIN)/python tests/bench/run.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

lock: install-test
	$(PIP) freeze --exclude-editable | grep -v '^-e ' > $(LOCK)

clean:
	rm -rf $(VENV) staticfiles $(SECRET_KEY_FILE)
