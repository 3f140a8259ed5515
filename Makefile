# The two commands a newcomer uses: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
N ?= 2
export PORT

.PHONY: run test lint bench cluster migrate seed clean help

help:
	@echo "make run      start the shop on http://127.0.0.1:$(PORT)/ (embedded defaults)"
	@echo "make test     ruff + the page's node tests + pytest (uses DATABASE_URL / REDIS_URL when set)"
	@echo "make bench    benchmarks (figures in benchmarks/results/)"
	@echo "make cluster  N daphne workers on consecutive ports (needs DATABASE_URL, REDIS_URL)"

# Reinstall only when pyproject.toml changes.
$(BIN)/.stamp-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.stamp-dev: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(BIN)/.stamp-run

run: $(BIN)/.stamp-run
	@DEBUG=$${DEBUG:-1} $(BIN)/python manage.py prepare_run
	@DEBUG=$${DEBUG:-1} PATH="$(CURDIR)/$(BIN):$$PATH" scripts/serve

# The browser tests' axe-core, pinned by package-lock.json; reinstalled when the lock changes.
# Without npm the accessibility checks are skipped with a reason (a failure in CI).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the browser tests' accessibility checks will be skipped"; fi

test: $(BIN)/.stamp-dev node_modules/.package-lock.json
	$(BIN)/ruff check .
	node --test tests/js/
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The Chainlit peer (figure 11) in its own venv, from the `bench` extra: its pins clash with
# the otel extra's. Where it cannot be installed the figure says so and skips it.
CHAINLIT_VENV := .venv-chainlit

$(CHAINLIT_VENV)/.stamp: pyproject.toml
	@( test -x $(CHAINLIT_VENV)/bin/python || $(PYTHON) -m venv $(CHAINLIT_VENV) ) \
	  && $(CHAINLIT_VENV)/bin/python -m pip install --quiet -e '.[bench]' \
	  && touch $@ \
	  || echo "Chainlit could not be installed: figure 11 skips it"

bench: $(BIN)/.stamp-dev $(CHAINLIT_VENV)/.stamp
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

cluster: $(BIN)/.stamp-run
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py collectstatic --noinput -v 0
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/cluster $(N)

clean:
	rm -rf $(VENV) $(CHAINLIT_VENV) staticfiles .pytest_cache .ruff_cache node_modules
