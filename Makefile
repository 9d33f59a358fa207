# One command per task. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test quality install messages messages-extract messages-app static lock serve bench-data bench clean

$(BIN)/.installed: requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $@

install: $(BIN)/.installed

messages: install
	$(BIN)/python manage.py compiletranslations

## Extract new interface strings (needs GNU gettext): the project catalogue locale/fr/LC_MESSAGES/django.po,
## and for each app with its own locale/ directory (agenda, spaces, participation), that app's catalogue.
APP_CATALOGUES := $(patsubst %/locale,%,$(wildcard helice/*/locale))
messages-extract: install
	$(BIN)/django-admin makemessages --locale fr --no-obsolete --no-location \
		--ignore ".venv/*" --ignore "bench/*" --ignore "staticfiles/*" --ignore "*/tests/*" --ignore "helice/tests_browser/*" \
		$(foreach app,$(APP_CATALOGUES),--ignore "$(app)/*")
	@for app in $(APP_CATALOGUES); do \
		(cd $$app && $(CURDIR)/$(BIN)/django-admin makemessages --locale fr --no-obsolete --no-location --ignore "tests/*") || exit 1; \
	done

## Extract one app's strings into its own catalogue only: make messages-app APP=agenda
messages-app: install
	cd helice/$(APP) && $(CURDIR)/$(BIN)/django-admin makemessages --locale fr --no-obsolete --no-location --ignore "tests/*"

static: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

## Run the portal with the Grenoble dataset on SQLite at http://$(HOST):$(PORT)
run: messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_territory grenoble --if-empty
	$(BIN)/python manage.py demo_admin
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
test: messages static
	$(BIN)/python -m pytest

## Lint, Django checks, migrations up to date, French catalogues valid for GNU gettext
quality: messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	@if command -v msgfmt >/dev/null; then for po in locale/fr/LC_MESSAGES/django.po helice/*/locale/fr/LC_MESSAGES/django.po; do msgfmt --check -o /dev/null $$po || exit 1; done; \
	else echo "GNU gettext missing: French catalogue not checked with msgfmt"; fi

## Re-pin dependencies after editing requirements*.in
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --quiet requirements.in -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile --quiet requirements-dev.in -o requirements-dev.lock --python-version 3.11

## Production-like server (gunicorn + whitenoise); see docs/deployment.md
serve: static
	$(BIN)/gunicorn helice.wsgi --bind $(HOST):$(PORT) --workers 4 --access-logfile -

## Benchmark data: 100,000 synthetic organisations and 2,000 services in PostgreSQL (never the default database)
bench-data: install
	$(BIN)/python bench/generate_organizations.py --count 100000 --seed 2024
	$(BIN)/python bench/generate_services.py --count 2000 --seed 2024

## Load test against gunicorn on 127.0.0.1 (see docs/benchmarks.md)
bench: install
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
