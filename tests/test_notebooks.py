"""Run every `.qmd` notebook's tests, one pytest test per notebook.

Cells tagged with a flag in settings.ini's `tst_flags` (`slow`, `gpu`) are skipped
unless named in the `HAMUX_TEST_FLAGS` environment variable, as with `nbdev_test --flags`.
"""
import os
from pathlib import Path

import pytest

import nbq

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)
nbq.use_qmd()
NOTEBOOKS = nbq.qmd_files()


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, f"expected the library notebooks under nbs/, found {NOTEBOOKS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT / "nbs")) for p in NOTEBOOKS])
def test_notebook(path):
    from nbdev.config import get_config
    from nbdev.test import test_nb

    cfg = get_config()
    ok, secs = test_nb(path, skip_flags=cfg.tst_flags.split(),
                       force_flags=os.environ.get("HAMUX_TEST_FLAGS", "").split(), basepath=cfg.config_path)
    assert ok, f"{path.name} failed (traceback above); rerun alone with `python scripts/nbq.py test {path}`"
