# Dangol: `make run` serves the API with demo data on SQLite; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
POSTGRES_URL ?= $(DANGOL_TEST_POSTGRES_URL)

.PHONY: install run lint test test-sqlite test-postgres bench schema migration

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,lint]'
	rm -f $(VENV)/.installed-*
	touch $@

run: install
	$(BIN)/python -m app serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$(POSTGRES_URL)" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "DANGOL_TEST_POSTGRES_URL is not set: the PostgreSQL run was not made."; \
	fi

test-sqlite: install
	DANGOL_TEST_BACKEND=sqlite $(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

test-postgres: install
	DANGOL_TEST_BACKEND=postgres DANGOL_TEST_POSTGRES_URL=$(POSTGRES_URL) \
		$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

schema: install
	$(BIN)/python -m app export-schema

migration: install
	$(BIN)/python migrations/generate.py $(name)
