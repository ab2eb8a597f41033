# Marathon: `make run` sets up and starts the app; `make test` sets up and runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app

.PHONY: lock run setup db translations translations-update test lint format check-format system-deps browser-deps clean bench

run: setup db
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# The virtual environment installs exactly what the lock file names (with their hashes), then the
# project itself; it is brought up to date when the lock file or pyproject.toml changes.
LOCK := requirements.lock
$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Resolve the dependencies of pyproject.toml again into the lock file (then `make test`, and
# commit both). pip-tools is a tool of this step only, not a dependency of the app.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --generate-hashes --allow-unsafe --strip-extras \
		--output-file $(LOCK) pyproject.toml

setup: system-deps $(VENV)/.installed translations

# WeasyPrint needs Pango; poppler-utils gives pdftoppm/pdftotext for looking at PDFs.
system-deps:
	@bash .ci/system-deps.sh

browser-deps:
	@bash .ci/system-deps.sh --browser

translations: $(VENV)/.installed
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d translations -D messages >/dev/null || exit 1; fi

# Extract the interface strings and merge them into every catalogue (then translate the .po files).
LANGUAGES := fr en es nl de
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 \
		--no-location --sort-output --project Marathon -o translations/messages.pot .
	for lang in $(LANGUAGES); do \
		if [ -f translations/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 -i translations/messages.pot -d translations -l $$lang; \
		else \
			$(BIN)/pybabel init -w 100 -i translations/messages.pot -d translations -l $$lang; \
		fi; \
	done
	$(BIN)/python translations/fill_source_language.py translations/en/LC_MESSAGES/messages.po

db: setup
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app marathon load-cases

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup browser-deps lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/render.py

clean:
	rm -rf $(VENV) instance/marathon.sqlite3* instance/storage
