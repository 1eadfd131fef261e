# CotAi: `make run` to use it, `make test` to test it. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
PORT ?= 8000
export PORT

.DEFAULT_GOAL := help

.PHONY: help venv install install-dev migrate demo run test lint format bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CotAi needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(VENV)/bin/python

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed ## create .venv and install the pinned runtime requirements

install-dev: $(VENV)/.installed-dev ## install the pinned development and test requirements

migrate: install ## apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## load the demo data (idempotent)
	$(PY) manage.py load_demo_data

run: demo ## set up everything and start web, worker and beat (Ctrl-C stops them all)
	$(PY) manage.py run_stack --port $(PORT)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

test: install-dev ## run the whole test suite
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory node_modules/.package-lock.json; \
	else \
		echo "npm not found: the browser tests' accessibility checks (axe-core) will be skipped"; \
	fi
	@[ -x /usr/bin/chromium ] || echo "No Chromium at /usr/bin/chromium: the browser tests will be skipped (apt-get install chromium)"
	$(VENV)/bin/pytest

lint: install-dev ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-dev ## run the benchmarks under bench/ and print their figures
	$(PY) bench/run.py

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) var artifacts node_modules
