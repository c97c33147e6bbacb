# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -rf demo-out
	$(BIN)/spyless scan examples/demo-router.bin --workdir demo-out/unpacked -o demo-out/report.json

test: $(STAMP)
	bash scripts/install-test-tools.sh
	$(BIN)/ruff check src tests scripts bench fuzz
	$(BIN)/mypy
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) demo-out build .mypy_cache .ruff_cache .pytest_cache
