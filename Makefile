# Two commands do everything on a fresh machine with Python 3.11:
#   make lab    set up, build the student notebooks, open the course in JupyterLab
#   make test   set up, check the browser stack (preflight), run the course_lib unit tests,
#               execute every notebook, build the website from that execution, then the
#               slides, site and browser tests; ends with a table
#               of each phase's wall time and status (also in test-artifacts/phases.txt)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The cell timeout catches a hung kernel, it is not a budget (make bench measures those): in
# make test a kernel has one core, and 06's longest cell took 199 s there (125 s on two).
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=600 --durations=10
NOTEBOOK_RESULTS := $(CURDIR)/test-artifacts/notebook-results.json

# Keep TensorFlow's start-up chatter out of notebooks and test logs.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export KERAS_BACKEND ?= tensorflow
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::FutureWarning
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Cap glibc's malloc arenas (one per busy thread by default): TensorFlow's thread pools
# otherwise leave a training kernel 300-500 MB larger. Binder's `start` script sets it too.
export MALLOC_ARENA_MAX := 2

.PHONY: setup student lab test lint unit notebooks source-notebooks student-notebooks student-gate executed clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -c 'from course_lib.warmup import compile_numba_code; compile_numba_code()'
	touch $@

student: setup
	$(BIN)/python -m course_lib.student notebooks student

# As root (a container, a cloud VM) JupyterLab refuses to start without --allow-root.
ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
lab: student lab-config
	$(BIN)/jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/student/01_tensors_and_keras.ipynb $(ALLOW_ROOT)

# Lint first (seconds), then two workers, a test file each at a time (--dist loadfile keeps a
# file's module fixtures in one process); the slowest tests are listed to keep the suite fast.
unit: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15 tests

# ruff over the library, tests, scripts, benchmarks and notebooks (rules in pyproject.toml)
lint: setup
	$(BIN)/ruff check .

# The source notebooks record their key results into NOTEBOOK_RESULTS and every exercise
# check's verdict into SOURCE_CHECKS, and conftest.py records each kernel's peak memory into
# SOURCE_MEMORY; the quality gate (tests/quality) then checks the results against
# course_lib.results.TARGETS, that every solution passed its check and that every kernel
# stayed under 1500 MB, right after the sources ran. The student notebooks' checks must all
# say "Not answered", and their kernels must fit the same budget.
SOURCE_CHECKS := $(CURDIR)/test-artifacts/checks-source.jsonl
STUDENT_CHECKS := $(CURDIR)/test-artifacts/checks-student.jsonl
SOURCE_MEMORY := $(CURDIR)/test-artifacts/memory-source.json
STUDENT_MEMORY := $(CURDIR)/test-artifacts/memory-student.json
SOURCE_STDERR := $(CURDIR)/test-artifacts/stderr-source.json
STUDENT_STDERR := $(CURDIR)/test-artifacts/stderr-student.json
# The source notebooks' run also saves each notebook with its outputs into EXECUTED: the
# website renders those copies (make site), so nothing is executed twice.
EXECUTED := $(CURDIR)/test-artifacts/executed
# what each run of the notebooks records, and what the gate after it reads
SOURCE_RUN := COURSE_MEMORY=$(SOURCE_MEMORY) COURSE_STDERR=$(SOURCE_STDERR) COURSE_EXECUTED=$(EXECUTED)
STUDENT_RUN := COURSE_MEMORY=$(STUDENT_MEMORY) COURSE_STDERR=$(STUDENT_STDERR)
#
# The two runs go side by side, each kernel on one core (CI has two). A kernel on one core
# takes less than twice its two-core time (Keras' per-step work is serial), so the pair ends
# sooner: notebook 04's source and student runs took 304 s side by side, 446 s one after the
# other. The student gate waits for the source checks it compares with.
ONE_CORE := TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
notebooks: student
	mkdir -p test-artifacts
	rm -f $(NOTEBOOK_RESULTS) $(SOURCE_CHECKS) $(STUDENT_CHECKS) $(SOURCE_MEMORY) $(STUDENT_MEMORY) $(SOURCE_STDERR) $(STUDENT_STDERR)
	$(MAKE) --no-print-directory --output-sync=line -j2 student-gate

source-notebooks:
	COURSE_RESULTS=$(NOTEBOOK_RESULTS) COURSE_CHECKS=$(SOURCE_CHECKS) $(SOURCE_RUN) $(ONE_CORE) $(BIN)/python -m pytest $(NBVAL) notebooks
	COURSE_RESULTS=$(NOTEBOOK_RESULTS) COURSE_SOURCE_CHECKS=$(SOURCE_CHECKS) $(SOURCE_RUN) $(BIN)/python -m pytest tests/quality

student-notebooks:
	COURSE_CHECKS=$(STUDENT_CHECKS) $(STUDENT_RUN) $(ONE_CORE) $(BIN)/python -m pytest $(NBVAL) student

student-gate: source-notebooks student-notebooks
	COURSE_SOURCE_CHECKS=$(SOURCE_CHECKS) COURSE_STUDENT_CHECKS=$(STUDENT_CHECKS) $(STUDENT_RUN) $(BIN)/python -m pytest tests/quality/test_student_checks.py tests/quality/test_kernel_memory.py tests/quality/test_notebook_output.py

# Each phase is a make target of its own, timed by scripts/phases.py (standard library only,
# so it runs before the venv exists). Infrastructure first: a broken chromium/Playwright
# pairing fails in preflight, in the first minutes, not after ~30 minutes of notebooks.
test:
	$(PYTHON) scripts/phases.py --make '$(MAKE)' --summary test-artifacts/phases.txt \
		setup preflight unit notebooks site browser-test

# Only the source notebooks, saved with their outputs for the site (make notebooks does this
# and checks everything else too).
executed: setup
	mkdir -p test-artifacts
	COURSE_EXECUTED=$(EXECUTED) $(BIN)/python -m pytest $(NBVAL) notebooks

clean:
	rm -rf $(VENV) student data/cache site/_build site/notebooks site/generated

# ---------------------------------------------------------------- slides, browser tests, benchmark
# make preflight     chromium, node and the decks' npm packages in place, Playwright launches chromium
# make slides        render slides/NN_*.ipynb to offline reveal.js decks in slides/_build/
# make browser-test  the decks and JupyterLab (as a student meets it) in headless Chromium
# make bench         execute every notebook, time it, measure its kernel's peak memory
# make bench-jax     the same on the JAX backend, for a side-by-side table
# make bench-scgen   notebook 07's scGen prediction for every Kang cell type (~15 min)
# make bench-seeds PART=kang|cellbench|scgen
#                    one part of the seed tables of notebooks 06 and 07 (seeds 0-4)
# make prepare       before class: every data file cached and verified, UMAP compiled,
#                    student notebooks, lab settings and rendered decks in place
# make present       presentation copies of the decks and notebooks in present/ (git-ignored,
#                    rebuilt from the sources), then JupyterLab on them for RISE (autosave off)
# make reset         rebuild present/ from the sources without starting JupyterLab
.PHONY: slides site browser-test chromium preflight lab-config bench bench-jax bench-scgen bench-seeds prepare present reset
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
NODE_STAMP := slides/node_modules/.package-lock.json
DECKS := $(wildcard slides/[0-9][0-9]_*.ipynb)
DECK_HTML := $(patsubst slides/%.ipynb,slides/_build/%.slides.html,$(DECKS))
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
LAB_PAGE_CONFIG := $(VENV)/etc/jupyter/labconfig/page_config.json

# reveal.js, MathJax 2, require.js and jQuery at the versions pinned in slides/package-lock.json.
$(NODE_STAMP): slides/package.json slides/package-lock.json
	command -v npm >/dev/null 2>&1 || $(APT_INSTALL) nodejs npm || { $(SUDO) apt-get update -qq && $(APT_INSTALL) nodejs npm; }
	cd slides && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

slides/_build/%.slides.html: slides/%.ipynb course_lib/plotting.py scripts/build_slides.py slides/templates/course_reveal/index.html.j2 $(NODE_STAMP) | setup
	$(BIN)/python scripts/build_slides.py $<

slides: $(DECK_HTML)

# The site is rebuilt when a notebook's executed copy, a page, the build script or a deck
# changes; the executed copies come from `make notebooks` (or `make executed`).
SITE_STAMP := site/_build/html/index.html
SITE_SOURCES := $(wildcard site/*.md site/*.yml site/*.bib site/_ext/*.py site/images/* site/_static/*) scripts/build_site.py course_lib/quiz.py \
	README.md INSTRUCTORS.md data/README.md $(wildcard benchmarks/*.json benchmarks/*.md)
site: $(SITE_STAMP)
$(SITE_STAMP): $(wildcard $(EXECUTED)/*.ipynb) $(SITE_SOURCES) $(DECK_HTML) $(NODE_STAMP) | student
	@test -n "$$(ls $(EXECUTED)/*.ipynb 2>/dev/null)" || $(MAKE) executed
	$(BIN)/python scripts/build_site.py

# Debian's Chromium (Playwright's own browser download cannot work offline).
chromium:
	@command -v chromium >/dev/null 2>&1 || $(APT_INSTALL) chromium || { $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium; }

# Run first by `make test`: the pinned Playwright must launch Debian's chromium headless
# (scripts/check_browser.py prints both versions, or what failed and how to fix it).
# `CHROMIUM=/bin/false make preflight` shows the failure.
preflight: chromium $(NODE_STAMP) | setup
	@echo "preflight: node $$(node --version), npm $$(npm --version)"
	$(BIN)/python scripts/check_browser.py

# The course's JupyterLab settings, installed where Binder's postBuild puts them too, and
# the extensions JupyterLab must not load: jupyterlab-mathjax3 (a JupyterLab 3 extension that
# jupyterlab-rise depends on; JupyterLab 4 typesets math with its own MathJax 3).
lab-config: $(LAB_SETTINGS) $(LAB_PAGE_CONFIG)
$(LAB_SETTINGS): jupyter-config/overrides.json | setup
	mkdir -p $(dir $@)
	cp $< $@
$(LAB_PAGE_CONFIG): jupyter-config/page_config.json | setup
	mkdir -p $(dir $@)
	cp $< $@

# Nothing downloads or compiles in front of the class: every registered file is fetched and
# hash-checked (from DGN_DATA_MIRROR if set, else into the cache); setup has compiled the
# numba code of UMAP and scanpy into numba's on-disk cache (as Binder's postBuild does).
prepare: student lab-config slides
	$(BIN)/python -c 'from course_lib import data; [data.fetch(p) for p in data.REGISTRY]; print(len(data.REGISTRY), "data files verified")'

reset: lab-config
	$(BIN)/python scripts/present.py

present: slides lab-config
	$(BIN)/python scripts/present.py --lab

browser-test: chromium slides student lab-config site
	COURSE_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser

bench: student
	$(BIN)/python benchmarks/run.py --backend $(KERAS_BACKEND)

bench-jax: student
	$(BIN)/python benchmarks/run.py --backend jax

bench-scgen: setup
	$(BIN)/python benchmarks/scgen_table.py

PART ?= kang
bench-seeds: setup
	$(BIN)/python benchmarks/seeds.py $(PART)

# ---------------------------------------------------------------- offline classroom
# make mirror DIR=/path   download every registered data file from its public URL into DIR,
#                         verified, laid out for DGN_DATA_MIRROR; re-running keeps valid files
.PHONY: mirror
mirror: setup
	@test -n "$(DIR)" || { echo "usage: make mirror DIR=/path/to/mirror" >&2; exit 2; }
	$(BIN)/python -m course_lib.data download --all --to "$(DIR)"
