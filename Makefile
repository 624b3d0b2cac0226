# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
VENV := .venv
PYTHON ?= python3

.PHONY: demo test bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[test]"
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/hub demo

test: $(VENV)/.installed
	bash scripts/test.sh

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench
