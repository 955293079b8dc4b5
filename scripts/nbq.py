"""Run nbdev 2 on the project's `.qmd` notebooks.

nbdev 2 reads notebooks with `execnb.nbio.read_nb`, which only understands
`.ipynb` JSON. `use_qmd()` points every place nbdev reads a notebook at a reader
that parses `.qmd` files with `qmd.read_qmd` and leaves `.ipynb` files to the
original. It also makes exported cells point at the `.qmd` line they start on.
This is the only place the project touches nbdev's internals.

Usage (from the repository root, inside the project's environment):

    python scripts/nbq.py export [FILES...] # nbs/*.qmd (or just FILES) -> hamux/*.py
    python scripts/nbq.py check-export      # fail if re-exporting would change hamux/
    python scripts/nbq.py test [FILES...]   # run the notebooks' tests, like nbdev_test
    python scripts/nbq.py notebook FILE.qmd  # write FILE.ipynb beside it, to open in JupyterLab or VS Code
    python scripts/nbq.py qmd FILE.ipynb     # write the edited notebook back to FILE.qmd

`notebook` and `qmd` are exact inverses for the chapters (blank lines and fences included),
and `qmd` refuses to overwrite a `.qmd` that changed since its notebook was written
(`--force` does it anyway). Outputs stay in the `.ipynb`, which git ignores.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qmd import nb_to_qmd, qmd_to_nb, read_qmd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NBDEV_VERSION = "2.3.34"  # the reader relies on this release's internals; see use_qmd


def _check_versions():
    import nbdev

    if nbdev.__version__ != NBDEV_VERSION:
        raise RuntimeError(f"scripts/nbq.py is written for nbdev=={NBDEV_VERSION}, found {nbdev.__version__}; "
                           "run `bash scripts/setup.sh` to install the pinned tool chain.")


def use_qmd():
    "Make nbdev read `.qmd` notebooks and write `.qmd` line numbers in exported cell headers."
    _check_versions()
    import execnb.nbio
    import nbdev.config
    import nbdev.maker
    import nbdev.process
    import nbdev.test

    if getattr(execnb.nbio.read_nb, "_reads_qmd", False):
        return
    original = execnb.nbio.read_nb

    def read_nb(path):
        "Return the notebook at `path`, reading `.qmd` files with `qmd.read_qmd`."
        if str(path).endswith(".qmd"):
            nb = execnb.nbio.dict2nb(read_qmd(path))
            nb["path_"] = str(path)
            return nb
        return original(path)

    read_nb._reads_qmd = True
    # every module that bound `read_nb` by name at import time
    for mod in (execnb.nbio, nbdev.config, nbdev.maker, nbdev.process, nbdev.test):
        if hasattr(mod, "read_nb"):
            mod.read_nb = read_nb

    def write_cells(cells, hdr, file, offset=0, cell_number=True):
        "nbdev's `write_cells`, numbering a `.qmd` cell by the source line it starts on."
        for cell in cells:
            if cell.cell_type == "code" and cell.source.strip():
                n = cell.get("metadata", {}).get("qmd_line", cell.idx_ + offset)
                file.write(f"\n\n{hdr}{' ' + str(n) if cell_number else ''}\n{cell.source}")

    nbdev.maker.write_cells = write_cells


def qmd_files(cfg=None) -> list[Path]:
    "The `.qmd` notebooks under `nbs_path`, sorted, skipping `_`- and `.`-prefixed names like nbdev does."
    from nbdev.doclinks import nbglob

    return sorted(nbglob(file_glob="*.qmd", as_path=True))


def export(files: list[str] | None = None):
    "Export the given `.qmd` notebooks (all of them by default) to the `hamux/` package."
    use_qmd()
    from nbdev.config import add_init, get_config
    from nbdev.doclinks import _build_modidx, nbdev_export
    from nbdev.export import nb_export

    os.environ.pop("IN_TEST", None)
    if not files:
        nbdev_export.__wrapped__(file_glob="*.qmd", procs=None)  # the undecorated function: no argv parsing
        return
    for f in files:
        nb_export(Path(f).resolve())
    add_init(get_config().lib_path)
    _build_modidx()


def _lib_snapshot() -> dict[str, bytes]:
    lib = ROOT / "hamux"
    return {str(p.relative_to(ROOT)): p.read_bytes() for p in sorted(lib.rglob("*.py"))}


def check_export() -> int:
    "Re-export and report any file of `hamux/` that changed; 0 when nothing did."
    before = _lib_snapshot()
    export()
    after = _lib_snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        print("Re-exporting nbs/*.qmd changed these files (edit the .qmd, export, and commit both):")
        for k in changed:
            print(f"  {k}")
            old, new = (d.get(k, b"").decode().splitlines(True) for d in (before, after))
            sys.stdout.writelines(list(difflib.unified_diff(old, new, f"{k} (committed)", f"{k} (re-exported)"))[:40])
        return 1
    print(f"hamux/ matches nbs/: {len(after)} modules unchanged by re-export.")
    return 0


def test(files: list[str], flags: str = "") -> int:
    "Run the tests in each notebook, like `nbdev_test`; prints one line per notebook and a count."
    use_qmd()
    from nbdev.config import get_config
    from nbdev.test import test_nb

    cfg = get_config()
    paths = [Path(f).resolve() for f in files] or [p.resolve() for p in qmd_files()]
    skip = cfg.tst_flags.split()
    passed = failed = 0
    for p in paths:
        ok, secs = test_nb(p, skip_flags=skip, force_flags=flags.split(), basepath=cfg.config_path)
        print(f"{'PASSED' if ok else 'FAILED'} {p.relative_to(ROOT)} ({secs:.1f}s)", flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not paths else 0


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_SYNC = ROOT / ".nbq-sync.json"  # git-ignored: the digest of each .qmd as nbq.py last read or wrote it


def _synced(qmd_path: Path, text: str | None = None) -> str | None:
    "The recorded digest of `qmd_path`; with `text`, record that text's digest instead."
    data = json.loads(_SYNC.read_text()) if _SYNC.exists() else {}
    if text is None:
        return data.get(str(qmd_path.resolve()))
    data[str(qmd_path.resolve())] = _digest(text)
    _SYNC.write_text(json.dumps(data, indent=1, sort_keys=True))
    return data[str(qmd_path.resolve())]


def to_notebook(qmd_path: Path, out: Path | None = None) -> Path:
    "Write the `.qmd` chapter as a Jupyter notebook beside it (same name, `.ipynb`); returns its path."
    import nbformat

    text = qmd_path.read_text(encoding="utf-8")
    nb = qmd_to_nb(text, qmd_path)
    nb["metadata"]["qmd_source"] = {"file": qmd_path.name, "sha256": _digest(text)}
    for k, c in enumerate(nb["cells"]):
        c["id"] = f"cell-{k}"
        if c["cell_type"] == "raw":
            c["metadata"]["format"] = "text/markdown"  # front matter, as `quarto convert` writes it
    out = out or qmd_path.with_suffix(".ipynb")
    node = nbformat.from_dict(nb)
    nbformat.validate(node)
    out.write_text(nbformat.writes(node), encoding="utf-8")
    _synced(qmd_path, text)
    return out


def to_qmd(ipynb_path: Path, out: Path | None = None, force: bool = False) -> Path:
    "Write an (edited) notebook back to its `.qmd`; refuses if that `.qmd` changed since the notebook was made."
    nb = json.loads(ipynb_path.read_text(encoding="utf-8"))
    out = out or ipynb_path.with_suffix(".qmd")
    for c in nb["cells"]:
        if c["cell_type"] == "raw":
            c["metadata"].pop("format", None)
    text = nb_to_qmd(nb)
    origin = nb.get("metadata", {}).get("qmd_source", {})
    if out.exists() and not force:
        now = out.read_text(encoding="utf-8")
        known = {origin.get("sha256"), _synced(out)} - {None}
        if known and _digest(now) not in known and now != text:
            raise SystemExit(f"{out} changed since {ipynb_path} was written from it; writing the notebook back "
                             "would lose those edits. Merge them by hand, or pass --force to overwrite.")
    out.write_text(text, encoding="utf-8")
    _synced(out, text)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="export nbs/*.qmd (or the given files) to hamux/")
    e.add_argument("files", nargs="*")
    sub.add_parser("check-export", help="fail if re-exporting changes hamux/")
    t = sub.add_parser("test", help="run notebook tests")
    t.add_argument("files", nargs="*")
    t.add_argument("--flags", default=os.environ.get("HAMUX_TEST_FLAGS", ""),
                   help="space-separated test flags to run that are skipped by default (default: $HAMUX_TEST_FLAGS, "
                        "as for scripts/test.sh)")
    n = sub.add_parser("notebook", help="write each FILE.qmd as FILE.ipynb (git-ignored) for Jupyter")
    n.add_argument("files", nargs="+")
    q = sub.add_parser("qmd", help="write each edited FILE.ipynb back to FILE.qmd")
    q.add_argument("files", nargs="+")
    q.add_argument("--force", action="store_true", help="overwrite a .qmd that changed since the notebook was made")
    a = ap.parse_args(argv)
    if a.cmd in ("notebook", "qmd"):
        for f in a.files:
            p = Path(f).resolve()
            want = ".qmd" if a.cmd == "notebook" else ".ipynb"
            if p.suffix != want or not p.exists():
                print(f"`nbq.py {a.cmd}` takes existing {want} files, got {f}", file=sys.stderr)
                return 2
            done = to_notebook(p) if a.cmd == "notebook" else to_qmd(p, force=a.force)
            print(f"wrote {os.path.relpath(done)}")
        return 0
    os.chdir(ROOT)
    if a.cmd == "export":
        export(a.files)
        return 0
    if a.cmd == "check-export":
        return check_export()
    return test(a.files, a.flags)


if __name__ == "__main__":
    sys.exit(main())
