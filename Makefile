# Civic: `make run` for the demo, `make test` for the checks. Needs only python3 (3.11+) with venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := civic
# `make run PORT=8000` serves on another port; the addresses the demo prints follow it
PORT ?= 5000
SITE := http://127.0.0.1:$(PORT)

.PHONY: run test lint format clean translations

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

# Languages (civic/translations, README "Languages"): pull every translatable string out of
# the code and templates into messages.pot, merge it into each language's .po, and compile
# the .mo files the app reads. The suite fails when messages.pot is out of date.
PYBABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2
translations: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg $(PYBABEL_KEYWORDS) --sort-output --no-wrap \
	  --ignore-dirs ".* __pycache__" \
	  --project Civic --copyright-holder "Civic contributors" \
	  -o civic/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i civic/translations/messages.pot -d civic/translations \
	  --no-wrap --ignore-obsolete --no-fuzzy-matching >/dev/null
	$(BIN)/python -m civic.i18n_tools slices cy
	$(BIN)/pybabel compile -d civic/translations --statistics
