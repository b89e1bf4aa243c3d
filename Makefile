# One command runs the service (`make serve`); one command passes the tests (`make test`).
# Both create the virtual environment and install everything on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: browser libreoffice serve test test-fast test-slow test-all lint bench bench-quick clean

$(STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --silent  # GOV.UK Frontend for the web pages, axe-core for tests
	touch $(STAMP)

# The browser tests drive Debian's Chromium (never a downloaded browser): installed when missing.
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

# The import and export tests open files with Debian's LibreOffice Calc: installed when missing.
libreoffice:
	command -v soffice >/dev/null || (apt-get update && apt-get install -y --no-install-recommends libreoffice-calc)

serve: $(STAMP)
	$(BIN)/learnloop serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint browser libreoffice
	$(BIN)/pytest -m "not slow" -n auto --dist worksteal

test-fast: $(STAMP) browser libreoffice
	$(BIN)/pytest -m "not slow and not postgres" -n auto --dist worksteal

test-slow: $(STAMP)
	$(BIN)/pytest -m slow

test-all: lint browser libreoffice
	$(BIN)/pytest -n auto --dist worksteal

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) node_modules test-output build *.egg-info .pytest_cache .hypothesis .ruff_cache .mypy_cache
