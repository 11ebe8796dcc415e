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

# The suite on SQLite, then again on PostgreSQL when its server binaries are here (a throwaway
# cluster: tests/postgres.py). VISNYK_REQUIRE_POSTGRES=1 (CI) makes their absence a failure.
unit: $(STAMP)
	$(BIN)/python -m pytest
	@if $(BIN)/python -m tests.postgres --check >/dev/null; then \
		echo "PostgreSQL leg:"; \
		VISNYK_TEST_DATABASE=postgres $(BIN)/python -m pytest -m "not sqlite_only"; \
	elif [ "$$VISNYK_REQUIRE_POSTGRES" = 1 ]; then \
		$(BIN)/python -m tests.postgres --check; exit 1; \
	else \
		echo "PostgreSQL leg not run: $$($(BIN)/python -m tests.postgres --check)"; \
	fi

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
