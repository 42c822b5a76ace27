# Civic: `make run` for the demo, `make test` for the checks. Needs only python3 (3.11+) with venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := civic
# `make run PORT=8000` serves on another port; the addresses the demo prints follow it
PORT ?= 5000
SITE := http://127.0.0.1:$(PORT)

.PHONY: run test lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	CIVIC_DEMO_URL=$(SITE) CIVIC_SITE_URL=$${CIVIC_SITE_URL:-$(SITE)} $(BIN)/flask civic seed
	@echo ""
	@echo "The audit log's verifier key (also at $(SITE)/audit/key):"
	@$(BIN)/flask civic audit key
	@echo ""
	@echo "Civic is running at $(SITE)  (press Ctrl-C to stop)"
	@echo ""
	CIVIC_SITE_URL=$${CIVIC_SITE_URL:-$(SITE)} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
