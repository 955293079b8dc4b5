#!/usr/bin/env bash
# Set up .venv (scripts/setup.sh), execute every notebook and build the docs
# site into _docs/ (offline: MathJax is served from _docs/mathjax/), with its
# pagefind search index, then check every local link (the build fails on a
# broken one). Also regenerates README.md from nbs/index.qmd. Extra arguments
# go to scripts/build_docs.py (e.g. --only 01_neurons.qmd, --no-exec).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PYTHONHASHSEED=0 JAX_PLATFORMS=${JAX_PLATFORMS:-cpu}
exec .venv/bin/python scripts/build_docs.py "$@"
