# The two commands: `make run` serves the app with the bundled data; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PYTHON ?= python3

.PHONY: run test bench loadtest clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.installed package.json
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	npm install --silent --no-audit --no-fund
	touch $@

run: $(VENV)/.installed
	$(PY) scripts/setup_instance.py
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app

test: $(VENV)/.test-installed
	bash scripts/test_services.sh
	. ./.test-env && $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) scripts/bench.py

loadtest: $(VENV)/.installed
	bash scripts/loadtest.sh

clean:
	rm -rf instance test-artifacts .test-env
