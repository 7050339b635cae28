# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test setup services migrate seed chromium wrk lint stop bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

# Starts embedded PostgreSQL and Redis under ./var/ unless DATABASE_URL / REDIS_URL are set.
services: setup
	$(PY) -m smc.embedded up

migrate: services
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

seed: migrate
	$(PY) manage.py seed
	@if [ -n "$$SMC_DEMO_PASSWORD" ]; then $(PY) manage.py create_demo_staff; fi

run: seed
	$(PY) manage.py seed_dashboard_demo
	$(PY) manage.py seed_staff_demo
	SMC_SIMULATE=$${SMC_SIMULATE:-1} DEBUG=$${DEBUG:-1} $(PY) -m smc.devrun

# Browser tests drive Debian's Chromium; install it, with Korean fonts (pages are measured and
# screenshotted as citizens see them, not in boxes), when missing and apt-get is there.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi cjk; } || { command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		|| echo "chromium not installed: browser tests will be skipped"; }

# The portal benchmark's load comes from wrk (C); install Debian's package when it is missing.
wrk:
	@command -v wrk >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
		|| echo "wrk not installed: bench/portal.py needs it"; }

# Style, the layering of DESIGN.md (no upward import, no cycle: .importlinter) and the types of
# the services and selectors (mypy.ini).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The suite runs against the same servers; embedded ones are stopped afterwards (data stays in ./var/).
test: seed chromium lint
	$(BIN)/pytest; status=$$?; $(PY) -m smc.embedded down; exit $$status

stop:
	$(PY) -m smc.embedded down

bench: migrate wrk
	$(PY) bench/ingest.py
	$(PY) bench/portal.py
	$(PY) bench/crisis.py
	$(PY) bench/masking.py
	$(PY) bench/broadcast.py
	$(PY) bench/dashboard.py
	$(PY) bench/staff.py
