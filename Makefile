# The two README commands:  `make demo` (set up, run the embedded demo) and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned: on this platform the pinned CPU wheel lies on disk; an unpinned torch pulls a CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: setup browser demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[all,dev]"

demo: setup
	$(BIN)/relecture run -c configs/demo.yaml

# Debian's chromium for the report.html browser tests (skips itself when already there).
browser:
	bash scripts/install-browser.sh

test: setup browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) runs .pytest_cache
