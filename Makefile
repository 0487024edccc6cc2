# Two commands matter: `make dev` runs the whole product locally, `make test` proves it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_FLAGS := --quiet --disable-pip-version-check
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := frontend/node_modules/.installed
FRONTEND_BUILT := frontend/dist/index.html
# checkov pins its own boto3 and jsonschema, so it lives apart from .venv.
SCAN_VENV := .venv-scan
SCAN_INSTALLED := $(SCAN_VENV)/.installed
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package.json \
	chalicelib/openapi.py $(wildcard chalicelib/domain/*.py) scripts/openapi-json

.PHONY: dev test test-fast bench package deploy lint-infra install frontend chromium clean
STAGE ?= dev

dev: $(INSTALLED) $(FRONTEND_BUILT)
	$(PY) -m devstack

test: $(INSTALLED) $(FRONTEND_BUILT) chromium $(SCAN_INSTALLED)
	$(PY) -m pytest

test-fast: $(INSTALLED)
	$(PY) -m pytest -m "not e2e"

bench: $(INSTALLED)
	$(PY) bench/run.py
	$(PY) bench/timeouts.py

# Schemathesis on the local stack with a long budget (make test runs 4 examples per operation and phase).
.PHONY: fuzz
FUZZ_EXAMPLES ?= 200
FUZZ_SEED ?= 20261124
fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest tests/fuzz -p no:cacheprovider --timeout=3600

# dist/$(STAGE)/sam.json (Chalice's template merged with infra/resources.yaml) and deployment.zip; no AWS access.
package: $(INSTALLED)
	scripts/deploy package $(STAGE)

# Needs AWS credentials and the AWS CLI v2; see docs/operations.md.
deploy: $(INSTALLED) $(FRONTEND_BUILT)
	scripts/deploy deploy $(STAGE)

lint-infra: $(INSTALLED) $(SCAN_INSTALLED)
	scripts/deploy package dev
	scripts/deploy package prod
	scripts/deploy lint dist/dev/sam.json dist/prod/sam.json

install: $(INSTALLED)

frontend: $(FRONTEND_BUILT)

$(INSTALLED): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	touch $@

$(SCAN_INSTALLED): infra/requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	echo '*' > $(SCAN_VENV)/.gitignore
	$(SCAN_VENV)/bin/python -m pip install $(PIP_FLAGS) -r infra/requirements-scan.txt
	touch $@

$(NODE_INSTALLED): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(FRONTEND_BUILT): $(INSTALLED) $(NODE_INSTALLED) $(FRONTEND_SOURCES)
	cd frontend && npm run build --silent

chromium:
	@scripts/ensure-chromium

clean:
	rm -rf $(VENV) $(SCAN_VENV) .venv-load frontend/node_modules frontend/dist .pytest_cache dist

.PHONY: load chaos
LOAD_VENV := .venv-load
# locust pins gevent and Flask versions that moto[server] disagrees with, so it gets a venv of its own.
$(LOAD_VENV)/.installed: loadtest/requirements.txt
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install $(PIP_FLAGS) -r loadtest/requirements.txt
	touch $@

load: $(INSTALLED) $(LOAD_VENV)/.installed
	$(PY) loadtest/run.py

chaos: $(INSTALLED)
	$(PY) -m chaos
