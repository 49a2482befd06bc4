# Two commands matter on a fresh machine: `make run` (serve the app) and `make test` (pass the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed

.PHONY: run test lint check bench bench-province worker beat install browser clean messages screenshots

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# A local secret key, generated once and never committed, so manage.py commands run here without one exported.
.env: | $(STAMP)
	@echo "SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "wrote .env with a generated SECRET_KEY"

# Debian's chromium for the browser tests (Playwright's own browser download is not possible offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped (run as root to install it)"; fi; }

# Serve the app on 127.0.0.1:8000 with the embedded default (a SQLite file, tasks run in-process).
run: export DEBUG ?= 1
run: install .env
	$(MANAGE) migrate --noinput
	$(MANAGE) load_campaign chengjiang_2021
	$(MANAGE) load_regions fixtures/regions/yuxi.csv
	$(MANAGE) create_first_admin
	$(MANAGE) runserver 127.0.0.1:8000

test: install browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run

# Benchmarks run on PostgreSQL: DATABASE_URL must point at it.
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/chengjiang_enroll
bench: install
	$(BIN)/python -m benchmarks

# A province under load (benchmarks/province.py), not part of `make bench`: 129 counties, PROVINCE_SCALE million
# push entries and as many enrolment records (default 10; PROVINCE_SCALE=0.5 for a quick look), the app served by
# gunicorn on 127.0.0.1 and loaded by locust (benchmarks/requirements.txt, installed here, not for CI).
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): benchmarks/requirements.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	touch $(BENCH_STAMP)

bench-province: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/chengjiang_enroll
bench-province: install $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.province

worker: install
	$(BIN)/celery -A chengjiang_enroll worker --loglevel=INFO

beat: install
	$(BIN)/celery -A chengjiang_enroll beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3

# Refresh the zh_Hans catalogue after changing UI strings (needs GNU gettext). New msgids get themselves as msgstr.
# msgmerge guesses a msgstr for a new msgid from a similar old one ("fuzzy"): gettext ignores those, but the
# catalogue a county edits would show the wrong wording, so they are emptied first and become identity too.
messages: install
	DEBUG=1 $(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests
	cd locale/zh_Hans/LC_MESSAGES && \
	  msgattrib --clear-fuzzy --empty --clear-previous --no-obsolete django.po -o django.po && \
	  msgattrib --translated --no-obsolete django.po -o translated.po && \
	  msgattrib --untranslated --no-obsolete django.po | msgen - | sed '/^msgstr\[1\]/d' > untranslated.po && \
	  msgcat --use-first translated.po untranslated.po -o django.po && rm translated.po untranslated.po
	DEBUG=1 $(MANAGE) compilemessages --ignore=.venv

# The first pages of the A4 prints (/progress/, the queue, the report overview) as PNG, for docs/screenshots/.
# Needs pdftoppm (Debian: poppler-utils).
screenshots: install browser
	mkdir -p var/print docs/screenshots
	PRINT_PDF_DIR=var/print $(BIN)/python -m pytest tests/browser/test_print.py -q
	for f in var/print/*.pdf; do pdftoppm -png -r 80 -singlefile -f 1 -l 1 "$$f" "docs/screenshots/print-$$(basename "$$f" .pdf)"; done
