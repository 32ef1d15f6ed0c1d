# Fresh machine: Python 3.11+ and make. `make demo` and `make test` install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
SOURCES := src tests bench

.PHONY: demo test lint install install-test dist clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The demo runs the gate against the mock: both extras.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[all]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Node tools (Prism, openapi-typescript, tsc, Redocly, Spectral), pinned in tooling/package-lock.json.
# Where npm is missing, the tests that need them skip and say so.
tooling/node_modules/.installed: tooling/package.json tooling/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tooling --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Node-based tests will be skipped"; fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test tooling/node_modules/.installed

## demo: set up, then run the CI gate against the bundled mock and show the report
demo: install
	$(BIN)/rc-licenses-contract gate --mock

## test: set up with test extras, then ruff, mypy and pytest
test: install-test
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/python -m pytest

## lint: the contract (our lint), then Redocly and Spectral on openapi.yaml and on the bundle
NODE_BIN := tooling/node_modules/.bin
lint: install-test
	$(BIN)/rc-licenses-contract lint
	@if [ -x $(NODE_BIN)/redocly ]; then \
		$(BIN)/rc-licenses-contract bundle -o $(VENV)/licenses-info.bundle.yaml && \
		$(NODE_BIN)/redocly lint openapi.yaml --config redocly.yaml && \
		$(NODE_BIN)/redocly lint $(VENV)/licenses-info.bundle.yaml --config tooling/redocly-bundle.yaml && \
		$(NODE_BIN)/spectral lint --fail-severity warn -r .spectral.yaml openapi.yaml $(VENV)/licenses-info.bundle.yaml; \
	else echo "npm tooling not installed: Redocly and Spectral skipped"; fi

## dist: the sdist and the wheel built from it, checked as PyPI will (the release workflow does the same)
dist: install-test
	rm -rf dist
	$(BIN)/python -m build
	$(BIN)/python -m twine check --strict dist/*

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .schemathesis build dist src/*.egg-info \
		tooling/node_modules
