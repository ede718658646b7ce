# Everything a fresh machine needs lives here: `make demo` and `make test` set up .venv themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLES := ../shared/samples
DB ?= chronicle.duckdb

.PHONY: setup demo test clean train train-news train-own bench bench-ray profile fuzz

setup: $(STAMP)

$(STAMP): pyproject.toml src/chronicle/spacy_build.py
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# spaCy's parser compiled without Cython's profiling hooks (src/chronicle/spacy_build.py): about
	@# a minute, with the Cython release that built spaCy's wheel; without a compiler spaCy's own runs
	req=$$($(BIN)/python -m chronicle.spacy_build --cython-requirement) && \
	  { test -z "$$req" || $(BIN)/python -m pip install --quiet "$$req"; }
	$(BIN)/python -m chronicle.spacy_build --if-needed || \
	  echo "make setup: spaCy's parser stays its own (slower); the message above says why"
	touch $(STAMP)

# The shared samples sit beside the repository on dev and CI machines, not in a user's clone.
# Their html/*/expected.html files are reference outputs for the reader tests, not inputs.
SAMPLE_INPUTS := $(wildcard $(SAMPLES)/*.txt $(SAMPLES)/html/*/source.html $(SAMPLES)/warc $(SAMPLES)/feeds)
SEED := $(SAMPLES)/moscow-kazakhstan.txt

demo: $(STAMP)
	rm -f $(DB)
	@# exit 1 means "some inputs could not be read" (the samples include a truncated WARC on purpose)
	$(BIN)/chronicle ingest examples $(SAMPLE_INPUTS) --db $(DB) || test $$? -eq 1
	$(BIN)/chronicle documents --db $(DB)
	$(BIN)/chronicle show --db $(DB) $(if $(wildcard $(SEED)),--path $(SEED),--path examples/harbour-strike-translated.txt)
	@# the web page; `make demo NO_SERVE=1` (CI) checks the database opens, prints the URL and exits
	$(BIN)/chronicle serve --db $(DB) $(if $(NO_SERVE),--no-serve,)

# The browser tests drive Debian's chromium (Playwright's own browser download is not reachable).
# Where it cannot be installed (not root, no apt-get) the test run goes on and those tests skip.
.PHONY: browser
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "make browser: chromium could not be installed (apt-get needs root); the browser tests will be skipped"

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(DB) build src/*.egg-info

# Training needs torch (CPU build) and transformers on top of the runtime set-up; the result is
# committed, so users never run this. torch first: installed on its own it takes the CPU wheel.
TRAIN_STAMP := $(VENV)/.train-installed
$(TRAIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[train]'
	touch $(TRAIN_STAMP)

# `make train` rebuilds the shipped event classifier into the package with the training code that
# trained it: the commit named in its card (`recipe`: session 13's bdccea8) is taken from the
# repository's history into build/recipe-<commit>/ and its two stages run there — the real labelled
# news of ../shared/train with our own sentences (x3), the contrast set and the held-back rows of
# troop movements, aid and accusations, 3 epochs; then one more epoch on our sentences, the
# conventions and the news at a lower rate — and this version exports the result. Fixed seeds; the
# shipped files bit for bit in 21 min on the 2-core Intel dev machine (docs/EVALUATION.md, session 19).
train: $(TRAIN_STAMP)
	$(BIN)/python -m chronicle.extract.recipe

# Today's code and data (lexicon, candidate steps, our newest sentences) on the same recipe, into
# build/news-model instead of the package: the next model, to compare on every set before it replaces
# the shipped one. Batches of similar length under bfloat16 autocast: 10 min on the Intel dev machine.
NEWS := --own-weight 3 --negatives 1500 --held-back MOBILIZE,AID,ACCUSE
train-news: $(TRAIN_STAMP)
	mkdir -p build/news-base
	$(BIN)/python -m chronicle.extract.train $(NEWS) --out-dir build/news-base --keep-fp32 build/news-base/fp32.onnx
	$(BIN)/python -m chronicle.extract.train $(NEWS) --init-from build/news-base --conventions \
	    --finish-on-own 1 --finish-lr 3e-5 --finish-news 1.0 --out-dir build/news-model

# The model shipped until session 13: our own sentences only (data/train/events.tsv), three runs
# averaged, 5 epochs, into build/own-model (30 min on the loaded dev machine, session 9).
train-own: $(TRAIN_STAMP)
	$(BIN)/python -m chronicle.extract.train --no-real-news --no-contrast --own-weight 1 --soup 3 --epochs 5 \
	    --out-dir build/own-model

# Speed: Chronicle end to end into DuckDB vs the bare spaCy parse on the same texts (docs/BENCHMARKS.md).
# Needs ../shared (eval sets and samples); takes a few minutes. `--quick` for a fast look.
bench: $(STAMP)
	$(BIN)/python -m chronicle.bench

# Below the stages: spaCy component by component and the classifier, then a py-spy sample of one
# `chronicle ingest` of the bench corpus with its workers (docs/BENCHMARKS.md). Needs ../shared.
profile: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[profile]'
	$(BIN)/python -m chronicle.profile

# The Ray engine with 1 and 2 workers against the local pool on the same corpus, cut into shards
# (docs/SCALING.md). Needs ../shared; about 15 minutes on a quiet 2-core machine. `ARGS=--quick`
# for a fast look.
bench-ray: $(STAMP)
	$(BIN)/python -m chronicle.scale.bench $(ARGS)

# Reliability (docs/RELIABILITY.md): the fuzz suite's strategies with 1,700 examples each (over
# 10,000 inputs), the hostile corpus file by file and beside good documents, and a kill -9 loop of
# 20 cuts during `chronicle ingest` (cycles of 4), each cycle re-run and compared with a clean run.
# Prints the tables. Needs only the repository; the hypothesis part alone took 42 min on a shared
# 2-core machine (load 10). `ARGS="--examples 100 --kills 4"` for a short run, `--skip kill` etc.
fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz.py $(ARGS)
