"""Project wiring: dependency sync, the README's commands, the docs build's pieces."""
import subprocess
import sys
from pathlib import Path

import sync_deps

ROOT = Path(__file__).resolve().parents[1]


def test_settings_in_step_with_pyproject():
    r = subprocess.run([sys.executable, "scripts/sync_deps.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_sync_replaces_and_appends():
    out = sync_deps.sync("[DEFAULT]\nversion = 0.1\n", {"version": "0.2", "requirements": "jax"})
    assert out == "[DEFAULT]\nversion = 0.2\nrequirements = jax\n"


def test_readme_is_generated_from_index_and_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("<!-- Generated from nbs/index.qmd")
    for cmd in ("bash scripts/docs.sh", "bash scripts/test.sh"):
        assert cmd in readme and cmd in (ROOT / "nbs/index.qmd").read_text()
    assert "bash scripts/test.sh" in (ROOT / ".ci/run").read_text()


def test_sidebar_pages_exist():
    import build_docs

    refs = [r for _, rs in build_docs.read_sidebar() for r in rs]
    assert "index.qmd" in refs
    for r in refs:
        assert build_docs.page_source(r).exists()
    lib = {p.name for p in (ROOT / "nbs").glob("[0-9]*.qmd")}
    assert lib <= set(refs), f"chapters missing from the sidebar: {lib - set(refs)}"


def test_html_names_drop_number_prefix():
    import build_docs

    assert build_docs.html_name("01_neurons.qmd") == "neurons.html"
    assert build_docs.html_name("examples/dam.qmd") == "examples/dam.html"


def test_quarto_callouts_and_equations_render():
    import build_docs

    page = build_docs.Page({})
    md = "$$E = x$$ {#eq-e}\n\nSee @eq-e.\n\n::: {.callout-note collapse=\"true\"}\n## Tests\nbody\n:::\n"
    page.number_equations(md)
    out = page.markdown(md)
    assert "\\tag{1}" in out and 'href="#eq-e"' in out
    assert '<details class="callout-note"><summary>Tests</summary>' in out and out.count("</details>") == 1
