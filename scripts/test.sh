#!/usr/bin/env bash
# Set up .venv (scripts/setup.sh) and run every test: the notebooks' tests (one
# pytest test per nbs/**/*.qmd), the .qmd reader and the notebook round trip, the
# docs builder on the whole site unexecuted (links, search), the packaging, and a
# check that re-exporting the notebooks leaves hamux/ unchanged.
# Extra arguments go to pytest; HAMUX_TEST_FLAGS="slow gpu" also runs tagged cells.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MPLBACKEND=Agg PYTHONHASHSEED=0 JAX_PLATFORMS=${JAX_PLATFORMS:-cpu}
exec .venv/bin/python -m pytest -n ${HAMUX_TEST_WORKERS:-2} -p no:cacheprovider "$@"
