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

# The demo image does not conform (exit 1); only a real error (exit 2) fails the target.
demo: $(STAMP)
	rm -rf demo-out
	mkdir -p demo-out
	$(BIN)/spyless check examples/demo-router.bin --format json,html,sarif,markdown \
	  -o demo-out/report; status=$$?; test $$status -le 1 || exit $$status
	@echo "open demo-out/report.html in a browser for the full report"

test: $(STAMP)
	bash scripts/install-test-tools.sh
	$(BIN)/ruff check src tests scripts bench fuzz
	$(BIN)/mypy
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) demo-out build .mypy_cache .ruff_cache .pytest_cache
