# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
VENV := .venv
PYTHON ?= python3

.PHONY: demo test bench

# pip's and setuptools' chatter (the editable-install notice) goes to $(VENV)/install.log, shown only on failure.
$(VENV)/.installed: pyproject.toml
	@echo "setting up $(VENV) (first run only; a minute or two) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
	  && $(VENV)/bin/pip install --quiet -e ".[test]" >> $(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; echo "installing into $(VENV) failed; the log above is in $(VENV)/install.log"; exit 1; }
	@touch $@

demo: $(VENV)/.installed
	@$(VENV)/bin/hub demo

test: $(VENV)/.installed
	bash scripts/test.sh

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench
