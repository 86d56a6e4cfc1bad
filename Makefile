# yiwang — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: demo test check lint format typecheck layers scoping migrations-check openapi openapi-check test-sqlite test-postgres browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

## make demo: install, migrate, seed the demo city and serve http://127.0.0.1:8000
demo: $(VENV)/.installed
	$(BIN)/yiwang demo

## make test: checks, then the whole suite on SQLite and (when it answers) PostgreSQL, side by side
test: $(VENV)/.installed-dev browser check
	@if [ -n "$$TEST_DATABASE_URL" ] || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		mkdir -p var; \
		echo "== the SQLite and PostgreSQL suites side by side (a core each); the SQLite log follows =="; \
		$(MAKE) --no-print-directory test-sqlite > var/test-sqlite.log 2>&1 & lite=$$!; \
		$(MAKE) --no-print-directory test-postgres; postgres=$$?; \
		wait $$lite; sqlite=$$?; cat var/test-sqlite.log; \
		echo "== SQLite: exit $$sqlite, PostgreSQL: exit $$postgres =="; \
		[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ] && echo "== backends run: sqlite, postgresql =="; \
	else \
		$(MAKE) --no-print-directory test-sqlite && \
		echo "== backends run: sqlite (PostgreSQL not reachable at 127.0.0.1:5432; set TEST_DATABASE_URL) =="; \
	fi

test-sqlite: $(VENV)/.installed-dev
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev
	@echo "== test suite on PostgreSQL =="
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_URL)} $(BIN)/pytest $(PYTEST_ARGS)

## Debian's Chromium (and CJK fonts for readable screenshots) for the Playwright tests
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "== installing Debian's chromium =="; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

check: lint typecheck layers scoping migrations-check openapi-check

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src bench
	$(BIN)/ruff check --fix src bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

layers: $(VENV)/.installed-dev
	$(BIN)/lint-imports

## every user-facing read of a scoped model goes through Model.objects.for_actor (or says why not)
scoping: $(VENV)/.installed-dev
	DJANGO_SETTINGS_MODULE=yiwang.config.settings.test $(BIN)/python -m yiwang.config.scoping_check

migrations-check: $(VENV)/.installed-dev
	DJANGO_SETTINGS_MODULE=yiwang.config.settings.test $(BIN)/yiwang makemigrations --check --dry-run

openapi: $(VENV)/.installed-dev
	DJANGO_SETTINGS_MODULE=yiwang.config.settings.test $(BIN)/yiwang openapi --output openapi/v1.json

openapi-check: $(VENV)/.installed-dev
	DJANGO_SETTINGS_MODULE=yiwang.config.settings.test $(BIN)/yiwang openapi --check openapi/v1.json

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
