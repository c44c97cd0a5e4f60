# The two quick-start commands: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
# pytest-xdist workers for `make test`; each file's tests stay on one worker (module fixtures start once).
PYTEST_WORKERS ?= 2

.PHONY: run test bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

# Candor's own product lines and adapter kinds are entry points in pyproject.toml: they exist once
# the project is installed (editable, so the checkout is what runs).
$(VENV)/.project-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# The savings line is a plug-in in its own package (plugins/candor-savings), installed beside Candor the
# way any third party's line would be; `pip uninstall candor-savings` leaves Candor with its two lines.
$(VENV)/.savings-installed: plugins/candor-savings/pyproject.toml $(VENV)/.project-installed | $(VENV)/bin/python
	$(PY) -m pip install --quiet --no-deps -e plugins/candor-savings
	touch $@

run: $(VENV)/.runtime-installed $(VENV)/.project-installed $(VENV)/.savings-installed
	$(FLASK) db upgrade
	$(FLASK) demo seed
	PORT=$(PORT) $(FLASK) demo run

test: $(VENV)/.dev-installed $(VENV)/.project-installed $(VENV)/.savings-installed
	bash scripts/ensure-chromium
	bash scripts/ensure-nginx
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# BENCH="ranking memory" runs only those modules; BENCH_DATABASE_URL/BENCH_REDIS_URL (or the TEST_ ones) use PostgreSQL/Redis.
bench: $(VENV)/.dev-installed $(VENV)/.project-installed $(VENV)/.savings-installed
	$(PY) -m bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
