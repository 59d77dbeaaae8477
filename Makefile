# The two commands a fresh machine needs: `make demo` and `make test`.
# Both create .venv with everything pinned in requirements/constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

.PHONY: install demo test lint
install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tether demo

lint: $(STAMP)
	$(BIN)/ruff check bot navigator_console tests bench migrations
	$(BIN)/mypy

test: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/ruff check bot navigator_console tests bench migrations
	$(BIN)/mypy
	$(BIN)/pytest
