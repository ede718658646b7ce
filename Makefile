# Everything a fresh machine needs lives here: `make demo` and `make test` set up .venv themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLES := ../shared/samples
DB ?= chronicle.duckdb

.PHONY: setup demo test clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -f $(DB)
	$(BIN)/chronicle ingest examples $(wildcard $(SAMPLES)) --db $(DB)
	$(BIN)/chronicle documents --db $(DB) --format table

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(DB) build src/*.egg-info
