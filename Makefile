# Every install step lives here: `make demo` and `make test` work on a fresh machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# Tests and CI draw offscreen; `make demo` opens a real window on the desktop.
OFFSCREEN := QT_QPA_PLATFORM=offscreen

.PHONY: install demo test lint unit bench clean package

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# selftest --desktop stops with the one `apt-get install …` line when a system library the
# window needs is missing (instead of Qt's "could not load the platform plugin xcb").
demo: $(STAMP)
	$(BIN)/privdesk selftest --desktop || { echo "make demo: fix the line above, then run make demo again." >&2; exit 1; }
	$(BIN)/privdesk demo

lint: $(STAMP)
	$(BIN)/ruff check app models views tests
	$(BIN)/ruff format --check app models views tests
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(OFFSCREEN) $(BIN)/python -m pytest -q

test: lint unit

bench: $(STAMP)
	for f in tests/bench/bench_*.py; do $(OFFSCREEN) $(BIN)/python $$f || exit 1; done

# One-folder frozen build in dist/privdesk/ (~4 min on 2 cores, 320 MB; packaging/README.md).
# PyInstaller is a build tool, not a dependency: it is installed into the venv only here.
package: $(STAMP)
	$(BIN)/python -m pip install --quiet 'pyinstaller>=6.10'
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/privdesk.spec

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
