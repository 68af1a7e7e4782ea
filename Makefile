# Every habit of the project is a target here. `make demo` and `make test` set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: setup demo test lint format typecheck unit synth lock bench model-check serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --quiet --upgrade pip

# -qq: pip still reports errors, but not the build backend's notices (setuptools warns on every
# editable install of a src-style layout) nor the index mirror's missing-location lines.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --quiet -e '.[local,infra,dev]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv (idempotent) and install the project with its `callrecap` command

demo: setup ## replay the sample calls through the local stack and print their summaries
	$(BIN)/python -m callrecap_local.demo

serve: setup ## run the local stack with the web page on http://127.0.0.1:8000 (replays samples)
	$(BIN)/callrecap serve --port 8000 --demo

lint: setup ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup
	$(BIN)/mypy

unit: setup ## the fast tests only
	$(BIN)/pytest -q tests/unit

test: lint typecheck ## lint, type-check, then the whole test suite
	$(BIN)/pytest -q -n 4 --dist loadgroup

synth: setup ## synthesize the CDK app into cdk.out (no CDK CLI or Docker needed)
	$(BIN)/python app.py

lock: setup ## re-resolve the Lambda layer's pinned dependencies (lambdas/requirements.lock)
	$(BIN)/python -m infra.layer_lock

bench: setup ## the quick benchmark set (under 5 minutes), the capacity model and the cost; --full adds scale and page latency
	$(BIN)/python -m bench --quick

model-check: setup ## opt-in: summarize, replay and eval through a real model server (llama-cpp-python + SmolLM2, built once into ~/.cache/callrecap)
	$(BIN)/python -m bench.model_check --limit 20

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache build
