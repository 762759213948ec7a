# Two entry points (README): `make demo` and `make test`. Both create the
# virtual environment from the pinned constraints on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmlkd-installed

.PHONY: demo test lint env benchmark quality quality-quick gpu-check clean-demo

# The tests extra brings openmim; constraints pin setuptools to 77-80, the
# range that torch 2.14 accepts and that still ships the pkg_resources openmim
# 0.3.9 imports. Installing editable also links configs/, tools/ and
# model-index.yml into mmlkd/.mim (setup.py), where mim and `mmlkd::` look.
$(STAMP): setup.py requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements/constraints.txt 'setuptools>=77,<81'
	$(PY) -m pip install -q -c requirements/constraints.txt -e '.[tests]'
	touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

# The style checks first (seconds), then the tests.
test: lint
	OMP_NUM_THREADS=1 $(PY) -m pytest -q tests

# mmrazor's style (setup.cfg): flake8, isort and yapf at 79 columns.
LINTED := mmlkd tools tests configs setup.py
lint: $(STAMP)
	$(PY) -m flake8 $(LINTED)
	$(PY) -m isort --check-only --diff $(LINTED)
	$(PY) -m yapf --diff --recursive $(LINTED)

benchmark: $(STAMP)
	$(PY) tools/benchmark/run_all.py

# CUDA tests, R101 -> R18 distillation throughput and input-pipeline
# throughput in one report (work_dirs/gpu_check/report.md); without CUDA
# only the CPU parts run.
gpu-check: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) tools/benchmark/gpu_check.py

quality: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) tools/benchmark/quality.py

quality-quick: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) tools/benchmark/quality.py --quick

clean-demo:
	rm -rf work_dirs/demo
