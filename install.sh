#!/usr/bin/env bash
# Create .venv and install symrep with the pinned environment (constraints.txt).
# torch comes first and stays pinned, so pip never swaps in another build;
# medmnist is installed without its torchvision dependency (see README).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check torch==2.13.0
.venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
.venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt --no-deps medmnist==3.0.2
.venv/bin/python -c "import importlib.metadata as m, symrep, torch, snakemake; print('symrep', m.version('symrep'), '| torch', torch.__version__)"
