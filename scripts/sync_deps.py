"""Keep settings.ini's dependency lists and version in step with pyproject.toml.

pyproject.toml is the source: its `dependencies` become settings.ini's
`requirements`, its `dev` extra `dev_requirements`, its version `version`, and
the lower bound of `requires-python` `min_python`.

    python scripts/sync_deps.py          # rewrite settings.ini
    python scripts/sync_deps.py --check  # exit 1 and show the difference if out of step
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def wanted(pyproject: dict) -> dict[str, str]:
    "The settings.ini values that pyproject.toml implies."
    proj = pyproject["project"]
    floor = re.fullmatch(r"\s*>=\s*([\d.]+)\s*", proj["requires-python"])
    if floor is None:
        raise ValueError(f"pyproject.toml: `requires-python` must be a plain lower bound like '>=3.11', "
                         f"got {proj['requires-python']!r}")
    return {
        "version": proj["version"],
        "min_python": floor[1],
        "requirements": " ".join(proj["dependencies"]),
        "dev_requirements": " ".join(proj["optional-dependencies"]["dev"]),
    }


def sync(ini_text: str, values: dict[str, str]) -> str:
    "Return `ini_text` with each `key = value` line of `values` replaced (or appended if missing)."
    for k, v in values.items():
        pat = re.compile(rf"^{k}\s*=.*$", re.M)
        ini_text = pat.sub(f"{k} = {v}", ini_text) if pat.search(ini_text) else ini_text.rstrip("\n") + f"\n{k} = {v}\n"
    return ini_text


def main(argv: list[str]) -> int:
    ini = ROOT / "settings.ini"
    old = ini.read_text()
    new = sync(old, wanted(tomllib.loads((ROOT / "pyproject.toml").read_text())))
    if "--check" in argv:
        if new != old:
            import difflib

            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "settings.ini", "synced"))
            print("settings.ini is out of step with pyproject.toml; run `python scripts/sync_deps.py`.")
            return 1
        print("settings.ini matches pyproject.toml")
        return 0
    ini.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
