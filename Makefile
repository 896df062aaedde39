# The two commands: `make run` serves the app with the bundled data; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PYTHON ?= python3

MO := directory/translations/es/LC_MESSAGES/messages.mo

.PHONY: run test bench loadtest loadtest-peer translations clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.installed package.json
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	npm install --silent --no-audit --no-fund
	touch $@

# The Spanish catalog is compiled from the .po in the repository, never committed.
$(MO): directory/translations/es/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel --quiet compile -d directory/translations

run: $(VENV)/.installed $(MO)
	$(PY) scripts/setup_instance.py
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app

test: $(VENV)/.test-installed $(MO)
	$(VENV)/bin/ruff check --quiet .
	bash scripts/test_services.sh
	. ./.test-env && $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) scripts/bench.py

loadtest: $(VENV)/.installed
	bash scripts/loadtest.sh

# The app beside a Datasette peer on the same rows (its own venv, .venv-peer), kind by kind.
loadtest-peer: $(VENV)/.installed
	$(PY) scripts/peer_loadtest.py

translations: $(VENV)/.installed
	$(PY) scripts/translations.py

clean:
	rm -rf instance test-artifacts .test-env
