# The two commands: `make run` (demo on embedded defaults) and `make test` (the whole suite).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12+; take the first one found.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $(wildcard /root/.pyenv/versions/3.13*/bin/python3) $(wildcard /root/.pyenv/versions/3.12*/bin/python3) $(wildcard /usr/local/bin/python3.1[2-9]) $(wildcard /usr/bin/python3.1[2-9]); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test test-scale lint format install messages browser oidc-provider clean

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (Django 6)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed messages

messages: $(BIN)/.installed
	$(BIN)/python -m supportdesk.translations

.env:
	$(BIN)/python -m supportdesk.devenv .env

run: install .env
	$(BIN)/python manage.py demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install browser oidc-provider
	$(BIN)/ruff check .
	$(BIN)/pytest

# Debian's Chromium serves the browser tests (Playwright's own download does not work here),
# with a CJK font for the Chinese pages. Installed when missing and we may (root with apt).
browser:
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "The browser tests need Chromium: sudo apt-get install chromium fonts-wqy-microhei"; exit 1; fi; }

# The sign-in tests start a real OpenID provider: the `oidc-provider` npm package on Node.js
# (tests/oidc_provider, installed from its package-lock.json). Node from Debian when missing.
OIDC_PROVIDER := tests/oidc_provider
oidc-provider: $(OIDC_PROVIDER)/node_modules/.package-lock.json

$(OIDC_PROVIDER)/node_modules/.package-lock.json: $(OIDC_PROVIDER)/package-lock.json
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "The sign-in tests need Node.js 20+ and npm: sudo apt-get install nodejs npm"; exit 1; fi; }
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The same suite on the scale-out stack: PostgreSQL and Redis (both on this machine in CI).
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/supportdesk
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/1
test-scale: install browser oidc-provider
	DATABASE_URL=$(SCALE_DATABASE_URL) REDIS_URL=$(SCALE_REDIS_URL) $(BIN)/pytest

clean:
	rm -rf $(VENV) var $(OIDC_PROVIDER)/node_modules
