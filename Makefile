# Clearpost — `make run` to try it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint check-deploy clean venv

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# The embedded default: SQLite under ./var, demo organization, http://127.0.0.1:8000, and a
# Celery worker with its beat scheduler over a broker-less folder transport (var/broker), so
# that scheduled posts really publish without Redis or RabbitMQ. Ctrl-C stops all three.
run: export DEBUG ?= true
run: export CELERY_BROKER_URL ?= filesystem://
run: $(STAMP)
	@mkdir -p var/broker
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A config worker --beat --concurrency 2 --loglevel INFO \
		--schedule var/celerybeat-schedule & \
	$(PY) manage.py runserver 127.0.0.1:8000

# The whole suite: PostgreSQL when DATABASE_URL points at it or 127.0.0.1:5432 answers,
# else SQLite (the choice is printed in the header).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/run.py

lint: $(STAMP)
	$(PY) -m ruff check .
	PYTHONPATH=. $(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -c pyproject.toml -r .

check-deploy: $(STAMP)
	DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	AUDIT_CHECKPOINT_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') \
	AUDIT_CHECKPOINT_FILE=/var/lib/clearpost/audit-checkpoints.jsonl \
	AUDIT_CHAIN_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') \
	ALLOWED_HOSTS=clearpost.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
