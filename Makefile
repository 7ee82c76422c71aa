# Itinera: `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= itinera-demo
DEV := ITINERA_ENV=development
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: run test install install-test translations db demo clean

run: install translations db demo
	$(DEV) $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install-test translations
	$(BIN)/pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

translations: install
	$(BIN)/pybabel compile --statistics -d translations 2>&1 | tail -n 3

db: install
	$(DEV) $(BIN)/flask --app wsgi db upgrade

demo: db
	$(DEV) $(BIN)/flask --app wsgi demo --password "$(DEMO_PASSWORD)"

clean:
	rm -rf $(VENV) instance *.egg-info .pytest_cache
	find translations -name '*.mo' -delete
