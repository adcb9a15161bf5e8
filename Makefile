# The quick start: `make pack` builds the reference area's evidence pack; `make test` runs every test.
# Both create .venv with the pinned dependencies on first use; only Python >= 3.11 is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
AREA   ?= "Buckinghamshire Thames Valley"

.PHONY: install test pack lint process notebooks bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q --nbval notebooks/ --nbval-current-env --nbval-sanitize-with notebooks/nbval-sanitize.cfg

pack: $(STAMP)
	$(BIN)/evidence build $(AREA)

lint: $(STAMP)
	$(BIN)/ruff check evidence tests scripts benchmarks

# Rebuild the committed snapshot from the official files (fetched from a mirror when offline).
process: $(STAMP)
	$(BIN)/evidence fetch $(if $(MIRROR),--mirror $(MIRROR),)
	$(BIN)/evidence process

# Re-execute the committed notebooks for the reference area (their outputs are what nbval checks).
notebooks: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace [0-9][0-9]-*.ipynb

# Speed and memory (see README, Benchmarks); e.g. make bench BENCH_ARGS="--skip all".
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data/processed/cache
