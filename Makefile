# Interplay's commands. The README's quick start is `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
STAMPS := .make
PORT ?= 8000
# Python 3.12 through pyenv (the repository's .python-version), else python3.12 on PATH.
BASE_PYTHON ?= $(shell pyenv which python 2>/dev/null || command -v python3.12)

.PHONY: help install install-dev assets demo test lint format typecheck pytest bench clean

help:
	@echo "make demo    install, migrate, load synthetic demo data, run the job worker, serve on 127.0.0.1:$(PORT) (PORT=8001 make demo)"
	@echo "make test    install development tools, then ruff, mypy and the whole pytest suite"
	@echo "make bench   measure Interplay against bare Django under gunicorn; writes BENCHMARKS.md"

$(PYTHON):
	@test -n "$(BASE_PYTHON)" || { echo "Python 3.12 not found: install it with pyenv (see .python-version)"; exit 1; }
	@$(BASE_PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), sys.version' \
		|| { echo "$(BASE_PYTHON) is older than 3.12"; exit 1; }
	$(BASE_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip

$(STAMPS)/install: $(PYTHON) pyproject.toml
	$(PYTHON) -m pip install --quiet -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/install-dev: $(STAMPS)/install
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/build/interplay.css: node_modules/.package-lock.json $(wildcard static/interplay/scss/*.scss)
	npm run --silent build:css

install: $(STAMPS)/install assets
install-dev: $(STAMPS)/install-dev assets
assets: static/build/interplay.css

# Links the demo prints and emails start with INTERPLAY_BASE_URL: where it is served, unless
# given (e.g. behind a proxy).
INTERPLAY_BASE_URL ?= http://127.0.0.1:$(PORT)
DEMO_ENV := DEBUG=1 INTERPLAY_DEMO=1 INTERPLAY_BASE_URL=$(INTERPLAY_BASE_URL) \
	EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend

demo: install
	$(DEMO_ENV) $(PYTHON) manage.py migrate --no-input -v0
	$(DEMO_ENV) $(PYTHON) manage.py demo_setup
	@echo "Interplay demo on http://127.0.0.1:$(PORT)/  (self-referral: http://127.0.0.1:$(PORT)/refer/)"
	@echo "Emails the demo sends (acknowledgements, letters, password resets) are files in demo-mail/"
	@export $(DEMO_ENV); \
	$(PYTHON) manage.py db_worker & worker=$$!; \
	$(PYTHON) manage.py crontask --no-heartbeat >/dev/null & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PYTHON) manage.py runserver 127.0.0.1:$(PORT)

test: install-dev lint typecheck pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck:
	$(VENV)/bin/mypy interplay $(wildcard bench)

pytest:
	$(VENV)/bin/pytest

bench: install
	$(PYTHON) -m bench.run

clean:
	rm -rf $(VENV) $(STAMPS) node_modules static/build staticfiles
