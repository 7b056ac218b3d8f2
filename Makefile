# OMOV: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run test test-dates lint bench migrate demo worker clean

$(PY):
	$(PYTHON) tools/bootstrap_venv.py $(VENV)

$(VENV)/.installed: $(PY) pyproject.toml
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -e ".[dev]"
	touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# The web server and, beside it, the scheduled work (polls opening and closing on time,
# reminders, the outbox sweep): Ctrl-C, or the server stopping, stops both.
run: demo
	@command -v belenios-tool >/dev/null || echo "Note: belenios-tool is not installed, so \
	online ballots are kept in plain text, apart from the roll. For secret, verifiable \
	ballot boxes: sudo apt-get install belenios-tool (docs/secrecy.md)."
	@[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || echo "Note: the DejaVu fonts \
	are not installed, so letters and other PDFs print Latin-1 only. For every name: sudo \
	apt-get install fonts-dejavu-core fonts-droid-fallback (docs/operations.md)."
	@$(PY) manage.py run_schedules --parent $$$$ & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# One process per core (pytest-xdist), each taking whole files so a module's fixtures are built
# once: `make test TEST_WORKERS=0` runs everything in this process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# The suite once at each of five awkward moments of the clock (CI runs one turn of them).
test-dates: $(VENV)/.installed-dev
	tools/test_dates.sh --all

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed-dev
	$(PY) -m bench

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A config worker -B -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
