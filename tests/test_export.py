"""Re-exporting the notebooks must leave the committed `hamux/` package unchanged."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_reexport_leaves_package_unchanged(tmp_path):
    for name in ("settings.ini", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("nbs", "scripts", "hamux"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    r = subprocess.run([sys.executable, "scripts/nbq.py", "check-export"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_export_catches_a_hand_edit(tmp_path):
    for name in ("settings.ini", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("nbs", "scripts", "hamux"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    mod = next(p for p in sorted((tmp_path / "hamux").glob("*.py")) if p.name not in ("__init__.py", "_modidx.py"))
    mod.write_text(mod.read_text() + "\nHAND_EDIT = 1\n")
    r = subprocess.run([sys.executable, "scripts/nbq.py", "check-export"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1 and mod.name in r.stdout, r.stdout + r.stderr
