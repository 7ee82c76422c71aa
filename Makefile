# Itinera: `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= itinera-demo
# links in e-mails and xAPI identifiers name the address served, unless ITINERA_BASE_URL is set
ITINERA_BASE_URL ?= http://$(HOST):$(PORT)
DEV := ITINERA_ENV=development ITINERA_BASE_URL=$(ITINERA_BASE_URL)
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: run test install install-test browser translations db demo clean

run: install translations db demo
	$(DEV) $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install-test browser translations
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/pytest

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

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here). Install it when it is
# missing and we may (root, or sudo without a password); otherwise say so: those tests are then skipped.
# `make test CHROMIUM=...` (or CHROMIUM_PATH in the environment, which the tests read) names another browser.
CHROMIUM ?= $(or $(CHROMIUM_PATH),/usr/bin/chromium)
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo -n"; \
	  echo "== installing Debian's Chromium for the browser tests"; \
	  ( export DEBIAN_FRONTEND=noninteractive; \
	    $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; } ) || \
	  echo "!! could not install Chromium (apt-get install chromium as root): the browser tests will be skipped"; \
	fi

# the last lines of Babel's report; an error in a catalog (which Babel writes above them) stops the make
translations: install
	@$(BIN)/pybabel compile --statistics -d translations > $(VENV)/pybabel.log 2>&1; status=$$?; \
	  if [ $$status -ne 0 ]; then grep -v '^compiling\|translated in' $(VENV)/pybabel.log; exit $$status; fi; \
	  tail -n 3 $(VENV)/pybabel.log

db: install
	$(DEV) $(BIN)/flask --app wsgi db upgrade

demo: db
	$(DEV) $(BIN)/flask --app wsgi demo --password "$(DEMO_PASSWORD)"

clean:
	rm -rf $(VENV) instance *.egg-info .pytest_cache
	find translations -name '*.mo' -delete
