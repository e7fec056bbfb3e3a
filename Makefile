# Each target creates .venv if missing and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: quickstart test lint bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(STAMP_DEV): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@ $(STAMP_RUN)

quickstart: $(STAMP_RUN)
	$(BIN)/shipyard quickstart

test: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

# Peer tools live in their own venv so their pins never touch the project's environment.
PEERS := .venv-peers
STAMP_PEERS := $(PEERS)/.installed

$(STAMP_PEERS):
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet mlflow evidently "pandas<3"
	$(PYTHON) -m venv $(PEERS)-dvc
	$(PEERS)-dvc/bin/python -m pip install --quiet dvc
	touch $@

# BentoML gets a venv of its own, so neither peer's pins constrain the other's.
BENTO := .venv-bento
STAMP_BENTO := $(BENTO)/.installed

$(STAMP_BENTO):
	$(PYTHON) -m venv $(BENTO)
	$(BENTO)/bin/python -m pip install --quiet --upgrade pip
	$(BENTO)/bin/python -m pip install --quiet bentoml scikit-learn skops
	touch $@

bench: $(STAMP_DEV) $(STAMP_PEERS) $(STAMP_BENTO)
	$(BIN)/python benchmarks/bench_tracking.py --peer-python $(PEERS)/bin/python
	$(BIN)/python benchmarks/bench_drift.py --peer-python $(PEERS)/bin/python
	$(BIN)/python benchmarks/bench_blobs.py --peer-python $(PEERS)-dvc/bin/python
	$(BIN)/python benchmarks/bench_serving.py --peer-python $(BENTO)/bin/python

fuzz: $(STAMP_DEV)
	tools/fuzz_api.sh

clean:
	rm -rf $(VENV) $(PEERS) $(PEERS)-dvc $(BENTO) .venv-fuzz .quickstart .pytest_cache .ruff_cache
