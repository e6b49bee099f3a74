# Rejets — every set-up step lives here, so a fresh machine needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint types test-sqlite test-postgresql bench bench-ingest bench-controle bench-worklist postgresql chromium lock clean

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements/base.txt -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

## run: embedded profile (SQLite), demo data, local server on 127.0.0.1
run: $(STAMP)
	$(BIN)/rejets migrate --noinput
	$(BIN)/rejets demo
	$(BIN)/rejets serveur

## test: lint, types, then the whole suite on SQLite and on a real PostgreSQL server
test: $(STAMP) lint types test-sqlite test-postgresql

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

test-sqlite: $(STAMP) chromium
	REJETS_TEST_DB=sqlite $(BIN)/pytest

test-postgresql: $(STAMP) postgresql
	REJETS_TEST_DB=postgresql $(BIN)/pytest tests/integration

## bench: every benchmark; figures and how to read them in docs/performance.md
bench: bench-ingest bench-controle bench-worklist

## bench-ingest: return files, parse then import on SQLite and PostgreSQL (BENCH_LINES)
bench-ingest: $(STAMP) postgresql
	$(BIN)/python benchmarks/bench_ingest.py

## bench-controle: valuing and checking invoices on one core (BENCH_INVOICES)
bench-controle: $(STAMP)
	$(BIN)/python benchmarks/bench_controle.py

## bench-worklist: the deadline run and the worklist's first page over 50 cabinets (BENCH_INVOICES)
bench-worklist: $(STAMP) postgresql
	$(BIN)/python benchmarks/bench_worklist.py

postgresql:
	scripts/postgresql.sh start

chromium:
	scripts/chromium.sh

lock:
	$(PYTHON) -m venv /tmp/rejets-piptools && /tmp/rejets-piptools/bin/pip install -q pip-tools
	cd requirements && for f in base dev; do /tmp/rejets-piptools/bin/pip-compile -q --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links --strip-extras -o $$f.txt $$f.in; done

clean:
	-scripts/postgresql.sh stop
	rm -rf $(VENV) var
