# The two set-up commands are `make pipeline` and `make test`; both create .venv and
# install the project with the pinned versions in requirements.lock first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CORPUS := $(VENV)/bin/corpus
STAMP  := $(VENV)/.installed-stamp
RAW    ?= raw
PROCESSED ?= processed
BENCH_MB ?= 100
BENCH_ROUNDS ?= 3

.PHONY: pipeline test validate lint format bench fuzz install lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev,bench,ray]'
	touch $(STAMP)

install: $(STAMP)

pipeline: $(STAMP)
	$(CORPUS) --processed $(PROCESSED) run $(RAW)

# pytest exits 5 when it collects no test; that is not a failure of the build itself.
test: $(STAMP)
	$(PY) -m pytest -q -m "not slow"; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

validate: $(STAMP)
	$(CORPUS) --processed $(PROCESSED) validate $$(readlink -f $(PROCESSED)/dataset)

lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline tests
	$(VENV)/bin/ruff format --check pipeline tests

format: $(STAMP)
	$(VENV)/bin/ruff check --fix pipeline tests
	$(VENV)/bin/ruff format pipeline tests

bench: $(STAMP)
	$(PY) tests/bench/run.py --mb $(BENCH_MB) --rounds $(BENCH_ROUNDS)

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests -k "property"

# Re-pin every dependency to what is installed now (after a deliberate upgrade).
lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable --exclude wikitext-corpus > requirements.lock

clean:
	rm -rf $(PROCESSED)/ingest $(PROCESSED)/detokenise $(PROCESSED)/segment $(PROCESSED)/enrich
