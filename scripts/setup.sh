#!/usr/bin/env bash
# Create .venv and install hamux with its dev and examples extras, pinned by
# scripts/constraints.txt. Needs only Python >= 3.10 with venv and pip, and
# PyPI. Re-running is cheap: nothing is installed while the stamp matches.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; assert sys.version_info >= (3, 10), "hamux needs Python >= 3.10, found " + sys.version' 
stamp=$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -c1-16)
if [ -f .venv/.hamux-stamp ] && [ "$(cat .venv/.hamux-stamp)" = "$stamp" ]; then
  echo "setup: .venv is up to date"; exit 0
fi
start=$(date +%s)
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -c scripts/constraints.txt -e ".[dev,examples]" 2>&1 | { grep -v "^WARNING: Location" || true; }
.venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
echo "$stamp" > .venv/.hamux-stamp
echo "setup: installed into .venv in $(( $(date +%s) - start ))s"
