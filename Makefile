# Qingshe: `make demo` runs the demo city, `make test` runs the whole test suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# The demo runs with DEBUG on and development keys; production sets its own (README: 部署).
DEMO_ENV := DEBUG=true

.PHONY: install install-dev assets demo serve test lint format bench bench-quick messages worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed
assets: node_modules/.installed

demo: install
	$(DEMO_ENV) $(BIN)/qingshe migrate --no-input -v 0
	$(DEMO_ENV) $(BIN)/qingshe demo --if-empty
	@echo "青社 Qingshe: http://$(HOST):$(PORT)/"
	$(DEMO_ENV) $(BIN)/qingshe runserver --noreload $(HOST):$(PORT)

serve: install
	$(DEMO_ENV) $(BIN)/qingshe runserver $(HOST):$(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	@$(BIN)/python -m bench.run

bench-quick: install-dev
	@$(BIN)/python -m bench.run --quick

# Recompile translations after editing a .po file (needs gettext's msgfmt; the .mo files are
# committed so that a fresh machine without gettext still shows Chinese).
messages: install-dev
	cd qingshe && DEBUG=true ../$(BIN)/django-admin compilemessages --settings=qingshe.settings --pythonpath=..

worker: install
	$(BIN)/qingshe tasks-reap
	$(BIN)/qingshe db_worker

clean:
	rm -rf $(VENV) node_modules staticfiles test-artifacts .pytest_cache
