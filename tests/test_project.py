"""Project wiring: packaging, dependency sync, the README's commands, the sidebar."""
import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import sync_deps

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_settings_in_step_with_pyproject():
    r = subprocess.run([sys.executable, "scripts/sync_deps.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_sync_replaces_and_appends():
    out = sync_deps.sync("[DEFAULT]\nversion = 0.1\n", {"version": "0.2", "requirements": "jax"})
    assert out == "[DEFAULT]\nversion = 0.2\nrequirements = jax\n"


def test_sync_reads_the_python_floor():
    assert sync_deps.wanted(PYPROJECT)["min_python"] == PYPROJECT["project"]["requires-python"].lstrip(">=")


# ---------------------------------------------------------------- packaging
def _dist(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower().replace("_", "-")


def _third_party_imports(path: Path) -> set[str]:
    "Top-level modules a file imports at module level or inside functions, other than hamux and the standard library."
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module.split(".")[0])
    return {m for m in mods if m != "hamux" and m not in sys.stdlib_module_names}


def test_core_imports_only_declared_base_dependencies():
    from importlib.metadata import packages_distributions

    base = {_dist(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    where = packages_distributions()
    optional = {"viz": "viz", "data": "examples"}  # modules whose extra imports are optional, and that extra
    for path in sorted((ROOT / "hamux").glob("*.py")):
        need = {_dist(where.get(m, [m])[0]) for m in _third_party_imports(path)}
        allowed = base | ({_dist(r) for r in extras[optional[path.stem]]} if path.stem in optional else set())
        assert need <= allowed, f"hamux/{path.name} imports {sorted(need - allowed)}, not declared for it in pyproject.toml"
    assert "numpy" in base
    assert not {"matplotlib", "hypernetx"} & base, "plotting belongs in the `viz` extra"
    assert {_dist(r) for r in extras["viz"]} == {"matplotlib", "hypernetx"}


def test_license_and_typing_marker_ship():
    assert (ROOT / "LICENSE").read_text().split()[:3] == ["Apache", "License", "Version"]
    assert PYPROJECT["project"]["license"] == "Apache-2.0" and PYPROJECT["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "hamux" / "py.typed").exists()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["hamux"]


def test_python_floor_agrees_everywhere():
    floor = PYPROJECT["project"]["requires-python"]
    assert floor == ">=3.11", "the pins (jax 0.10.2, numpy 2.4.6) need Python 3.11"
    assert "sys.version_info >= (3, 11)" in (ROOT / "scripts/setup.sh").read_text()
    assert "min_python = 3.11" in (ROOT / "settings.ini").read_text()
    assert "Python ≥ 3.11" in (ROOT / "nbs/index.qmd").read_text()


def test_setup_installs_every_extra_and_shows_pip_errors():
    setup = (ROOT / "scripts/setup.sh").read_text()
    assert '-e ".[dev,examples,viz]"' in setup
    assert "pip install -q" not in setup and "failed (pip's output above)" in setup


def test_setup_refuses_an_old_python_with_a_message():
    check = re.search(r"\"\$PY\" -c '(.*?)'\n", (ROOT / "scripts/setup.sh").read_text(), re.S)[1]
    r = subprocess.run([sys.executable, "-c", "import sys; sys.version_info = (3, 10, 0)\n" + check],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "needs Python >= 3.11" in r.stderr, r.stderr


def test_no_unvouched_urls_in_user_facing_files():
    for name in ("README.md", "nbs/index.qmd", "pyproject.toml", "settings.ini", "hamux/_modidx.py"):
        text = (ROOT / name).read_text()
        assert "hamux-dev" not in text and "hamux.dev" not in text, name
    assert 'hamux @ git+' not in (ROOT / "README.md").read_text()


# ---------------------------------------------------------------- README and sidebar
def test_readme_is_generated_from_index_and_names_the_commands():
    readme = (ROOT / "README.md").read_text()
    index = (ROOT / "nbs/index.qmd").read_text()
    assert readme.startswith("<!-- Generated from nbs/index.qmd")
    for cmd in ("bash scripts/docs.sh", "bash scripts/test.sh", "pip install .", 'pip install ".[examples]"',
                'pip install ".[viz]"', "scripts/nbq.py notebook", "scripts/nbq.py qmd"):
        assert cmd in readme and cmd in index, cmd
    assert "bash scripts/test.sh" in (ROOT / ".ci/run").read_text()


def test_sidebar_lists_every_page():
    import build_docs

    refs = [r for _, rs in build_docs.read_sidebar() for r in rs]
    assert refs[0] == "index.qmd" and len(refs) == len(set(refs))
    for r in refs:
        assert build_docs.page_source(r).exists()
    pages = {str(p.relative_to(ROOT / "nbs")) for p in (ROOT / "nbs").rglob("*.qmd") if not p.name.startswith("_")}
    pages |= {str(p.relative_to(ROOT / "docs_src")) for p in (ROOT / "docs_src").rglob("*.qmd")}
    assert pages <= set(refs), f"pages missing from the sidebar of docs_src/_quarto.yml: {sorted(pages - set(refs))}"
    lib = [r for r in refs if re.match(r"\d", r)]
    assert lib == sorted(lib), "chapters are listed in file order"


def test_sidebar_globs_follow_new_chapters(tmp_path, monkeypatch):
    import build_docs

    for name in ("00_a.qmd", "03a_b.qmd", "03_c.qmd", "_hidden.qmd", "notes.md"):
        (tmp_path / name).write_text("---\ntitle: x\n---\n")
    monkeypatch.setattr(build_docs, "NBS", tmp_path)
    assert build_docs.expand("/[0-9]*.qmd") == ["00_a.qmd", "03_c.qmd", "03a_b.qmd"]
    assert build_docs.expand("index.qmd") == ["index.qmd"]


def test_html_names_drop_number_prefix():
    import build_docs

    assert build_docs.html_name("01_neurons.qmd") == "neurons.html"
    assert build_docs.html_name("03a_solvers.qmd") == "solvers.html"
    assert build_docs.html_name("examples/dam.qmd") == "examples/dam.html"
