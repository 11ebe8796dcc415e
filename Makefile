# The two commands: `make demo` and `make test`. Both (re)create .venv when it is missing or
# older than pyproject.toml, so a second run with nothing changed starts at once.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench mutate locales clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m bot sandbox

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/updates.py

# Breaks the code that keeps README's promises, one change at a time, and runs the tests that
# must notice (mutation/plan.toml); fails under 90 % killed. Minutes, so not part of `make test`;
# run it before resolving an issue that touches those modules.
mutate: $(STAMP)
	$(BIN)/python -m mutation.run

# After changing texts in the code: refresh the catalogs, then translate what is new.
locales: $(STAMP)
	$(BIN)/pybabel extract -k _ -k __ -k N_ --no-location --omit-header \
		-o infra/locales/messages.pot bot domain infra handlers jobs storage
	$(BIN)/pybabel update --no-fuzzy-matching --width 99 \
		-i infra/locales/messages.pot -d infra/locales -D messages

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache mutants
