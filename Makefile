# Developer shortcuts; CI runs .ci/run.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: dev lint reformat test test-live bench

dev:
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -e '.[dev]'

lint:
	$(VENV)/bin/ruff check ospo_scan tests benchmarks scripts
	$(VENV)/bin/ruff format --check ospo_scan tests benchmarks scripts
	$(VENV)/bin/mypy ospo_scan

reformat:
	$(VENV)/bin/ruff check --fix ospo_scan tests benchmarks scripts
	$(VENV)/bin/ruff format ospo_scan tests benchmarks scripts

test:
	$(PY) -m pytest

test-live:
	$(PY) -m pytest -m live

bench:
	$(PY) benchmarks/bench_scan.py warm
	$(PY) benchmarks/bench_scan.py parse
	$(PY) benchmarks/bench_cyclonedx.py
