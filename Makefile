# Qinjian — two commands: `make demo` and `make test`. Everything else is a helper of those.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test install serve migrate lint typecheck bench clean vendor screenshots

$(STAMP): pyproject.toml requirements/lock.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/lock.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/qinjian migrate --noinput -v0
	$(BIN)/qinjian createcachetable

demo: migrate
	$(BIN)/qinjian collectstatic --noinput -v0
	$(BIN)/qinjian demo
	$(BIN)/qinjian serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/qinjian serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy qinjian

test: install lint typecheck
	$(BIN)/qinjian check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=qinjian.settings.test $(BIN)/qinjian makemigrations --check --dry-run -v0
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Benchmarks on generated city-scale data (SQLite; QINJIAN_BENCH_PG=1 adds PostgreSQL). Figures: docs/performance.md
bench: migrate
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/import_people.py
	$(BIN)/python benchmarks/alerts_sweep.py $(if $(QINJIAN_BENCH_PG),--pg,)
	$(BIN)/python benchmarks/assets_bench.py --sqlite $(if $(QINJIAN_BENCH_PG),--pg,)

# Refresh the vendored front-end libraries from npm (versions pinned here; see qinjian/static/vendor/README.md).
vendor:
	rm -rf build/npm && mkdir -p build/npm
	cd build/npm && npm init -y >/dev/null && npm install --no-audit --no-fund @tabler/core@1.6.1 bootstrap-icons@1.13.2 htmx.org@2.0.11 jsqr@1.4.0
	cp build/npm/node_modules/@tabler/core/dist/css/tabler.min.css build/npm/node_modules/@tabler/core/dist/js/tabler.min.js qinjian/static/vendor/tabler/
	cp build/npm/node_modules/bootstrap-icons/font/bootstrap-icons.min.css build/npm/node_modules/bootstrap-icons/LICENSE qinjian/static/vendor/bootstrap-icons/
	cp build/npm/node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 build/npm/node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff qinjian/static/vendor/bootstrap-icons/fonts/
	cp build/npm/node_modules/htmx.org/dist/htmx.min.js build/npm/node_modules/htmx.org/LICENSE qinjian/static/vendor/htmx/
	cp build/npm/node_modules/jsqr/dist/jsQR.js build/npm/node_modules/jsqr/LICENSE qinjian/static/vendor/jsqr/

clean:
	rm -rf $(VENV) var/qinjian.sqlite3* var/huey.sqlite3* var/staticfiles var/cache
