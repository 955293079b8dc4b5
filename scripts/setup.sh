#!/usr/bin/env bash
# Create .venv and install hamux with its dev, examples and viz extras, pinned by
# scripts/constraints.txt. Needs only Python >= 3.11 with venv and pip, and the
# package index (the pins, jax 0.10.2 and numpy 2.4.6 among them, need 3.11).
# Re-running is cheap: nothing is installed while the stamp matches.
# PYTHON=python3.12 picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else
  "setup: hamux needs Python >= 3.11 (its pinned jax and numpy do), found " + sys.version.split()[0] +
  "; run with PYTHON=python3.11 (or newer)")'
stamp=$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -c1-16)
if [ -f .venv/.hamux-stamp ] && [ "$(cat .venv/.hamux-stamp)" = "$stamp" ]; then
  echo "setup: .venv is up to date"; exit 0
fi
start=$(date +%s)
[ -x .venv/bin/python ] || "$PY" -m venv .venv
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# quiet when it works; pip's whole output when it does not
pip_install() {
  if ! .venv/bin/python -m pip install --disable-pip-version-check "$@" >"$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" >&2 || true
    echo "setup: \`pip install $*\` failed (pip's output above)" >&2
    exit 1
  fi
}
pip_install --upgrade pip
pip_install -c scripts/constraints.txt -e ".[dev,examples,viz]"
.venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
echo "$stamp" > .venv/.hamux-stamp
echo "setup: installed into .venv in $(( $(date +%s) - start ))s"
