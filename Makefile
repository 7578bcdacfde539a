# Two commands do everything on a fresh machine: `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install book test check validate run build catalogs serve pdf linkcheck lint format lock clean benchmark

# (Re)install whenever the lock file or the project metadata changes.
$(INSTALLED): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(INSTALLED)

# The HTML checkers the tests run (Nu HTML checker, pa11y), pinned in package-lock.json. No
# install scripts: they would download a Java runtime and a browser; Debian's are used instead.
NODE_INSTALLED := node_modules/.installed
$(NODE_INSTALLED): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(NODE_INSTALLED)

# The virtual environment alone (the pinned packages and this checkout); `book` and `test` do it too.
install: $(INSTALLED)

book: $(INSTALLED)
	$(BIN)/livingreview book

# The whole suite (what CI runs): lint, then every test, the slowest listed at the end. Two
# workers (pytest-xdist) share one session build of the book; a module stays on one worker,
# so its module-wide fixtures (the browser sweep) run once.
PYTEST_WORKERS ?= auto
test: $(INSTALLED) $(NODE_INSTALLED)
	$(BIN)/ruff check livingreview tests benchmarks
	$(BIN)/ruff format --check livingreview tests benchmarks
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope --durations=15

# The quick tier for the edit-test loop: lint and every test that builds no whole book.
check: $(INSTALLED)
	$(BIN)/ruff check livingreview tests benchmarks
	$(BIN)/ruff format --check livingreview tests benchmarks
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" -q

validate: $(INSTALLED)
	$(BIN)/livingreview validate

run: $(INSTALLED)
	$(BIN)/livingreview run

build: $(INSTALLED)
	$(BIN)/livingreview build

# Translators: refresh locales/zh_CN/LC_MESSAGES/*.po after the English text changed.
catalogs: book
	$(BIN)/livingreview catalogs

serve: $(INSTALLED)
	$(BIN)/livingreview serve

# One PDF per chapter and one for the book (needs Debian's chromium), into _build/pdf;
# answer keys with the solutions shown into _build/pdf/answers.
pdf: book
	$(BIN)/livingreview pdf

# Checks every external link (DOIs, registries). Needs the network, so CI never runs it.
linkcheck: book
	$(BIN)/jupyter-book build _build/stage --path-output _build/linkcheck --builder linkcheck

lint: $(INSTALLED)
	$(BIN)/ruff check livingreview tests benchmarks
	$(BIN)/ruff format --check livingreview tests benchmarks

format: $(INSTALLED)
	$(BIN)/ruff format livingreview tests benchmarks
	$(BIN)/ruff check --fix livingreview tests benchmarks

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/build.py

# Refresh the pins from the ranges in pyproject.toml (needs the package index).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[dev]" setuptools wheel
	{ echo "# Exact versions for every install of the book (make book / make test)."; \
	  echo "# Regenerate with: make lock"; \
	  .lock-venv/bin/pip freeze --all --exclude-editable | grep -v -E '^(pip|livingreview)=='; } > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf _build
