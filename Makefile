# The two commands of the README: `make demo` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# torch is pinned here: its CPU build is on local disk; an unpinned torch pulls a multi-GB CUDA build.
TORCH := torch==2.13.0
DEMO_OUT ?= demo_output

.PHONY: demo test docs clean bench-pc

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(PY)
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet -e ".[test,torch]"
	touch $@

$(VENV)/.installed-all: setup.cfg pyproject.toml | $(PY)
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet -e ".[all,test,docs]"
	touch $@ $(VENV)/.installed-test

# The main job: the quick benchmark suite (every discovery module and its peers) and its report.
demo: $(VENV)/.installed-all
	$(PY) -m causalkit bench run benchmarks/suites/quick.yaml --store $(DEMO_OUT)/quick.db --jobs 2 --report $(DEMO_OUT)/quick_report
	$(PY) -m causalkit demo --out $(DEMO_OUT)/single_run
	@echo "demo output: $(DEMO_OUT)/quick_report/index.html (suite report), $(DEMO_OUT)/single_run/ (one discover run)"

test: $(VENV)/.installed-test
	$(PY) -m pytest

docs: $(VENV)/.installed-all
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "docs written to docs/_build/html/index.html"

bench-pc: $(VENV)/.installed-test
	$(PY) benchmarks/bench_pc_speed.py

clean:
	rm -rf $(VENV) docs/_build $(DEMO_OUT) *.egg-info
