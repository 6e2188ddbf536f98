# Two commands on a fresh machine: `make demo` and `make test`. Only python3 is needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPLOY_VENV := .venv-deploy
PORT ?= 8000

.PHONY: demo test lint bench package serve clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# A lean venv with only the runtime and Zappa: what `zappa package` bundles for Lambda.
$(DEPLOY_VENV)/.deploy: requirements.txt requirements-deploy.txt
	test -x $(DEPLOY_VENV)/bin/python || $(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-deploy.txt
	touch $@

demo: $(VENV)/.runtime
	$(PY) -m functions init
	PORT=$(PORT) $(PY) -m functions demo

serve: $(VENV)/.runtime
	$(PY) -m functions init
	PORT=$(PORT) $(PY) -m functions serve

test: $(VENV)/.dev $(DEPLOY_VENV)/.deploy
	$(VENV)/bin/ruff check functions tests bench deploy
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check functions tests bench deploy

bench: $(VENV)/.dev package
	$(PY) bench/dispatch.py
	$(PY) bench/cold_start.py
	$(PY) bench/import.py
	$(PY) bench/page.py
	$(PY) bench/serve.py
	$(PY) bench/patients.py

package: $(DEPLOY_VENV)/.deploy
	mkdir -p build
	VIRTUAL_ENV=$(abspath $(DEPLOY_VENV)) PATH=$(abspath $(DEPLOY_VENV))/bin:$$PATH \
		$(DEPLOY_VENV)/bin/zappa package dev -o build/otklik-dev.zip

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) build .pytest_cache .ruff_cache
