"""The `.qmd` reader (scripts/qmd.py) that lets nbdev 2 read the notebooks."""
import pytest

from qmd import QmdError, nb_to_qmd, qmd_to_nb

DOC = '''---
title: Demo
---

Prose with $x^2$.

```{python}
#| export
def f(x):
    return 2 * x
```

````markdown
```{python}
shown, not run
```
````

```{python echo=false}
f(2)
```
'''


def test_cells_and_kinds():
    nb = qmd_to_nb(DOC)
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert kinds == ["raw", "markdown", "code", "markdown", "code"], kinds
    assert nb["cells"][0]["source"].startswith("---\ntitle: Demo")
    assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"


def test_code_cell_keeps_directives_and_records_line():
    code = qmd_to_nb(DOC)["cells"][2]
    assert code["source"].splitlines()[0] == "#| export"
    assert code["metadata"]["qmd_line"] == DOC.splitlines().index("def f(x):") + 1


def test_nested_fence_is_markdown():
    md = qmd_to_nb(DOC)["cells"][3]
    assert "shown, not run" in md["source"] and md["source"].startswith("````markdown")


def test_brace_attributes_become_directives():
    assert qmd_to_nb(DOC)["cells"][4]["source"] == "#| echo: false\nf(2)"


def test_no_front_matter():
    nb = qmd_to_nb("# Title\n\n```{python}\n1\n```\n")
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code"]


def test_round_trip_through_nb_to_qmd_is_exact():
    assert nb_to_qmd(qmd_to_nb(DOC)) == DOC
    for text in ["", "\n", "x", "x\n\n\n", "\n\n# T\n", "```{python}\n```\n", "```{python}\n\n```\n",
                 "````{python}\n1\n````\n", "---\nt: 1\n---\n```{python}\n1\n```\n\n\n", "a\n\n\n\nb\n"]:
        assert nb_to_qmd(qmd_to_nb(text)) == text, repr(text)


def test_edited_notebook_writes_plain_cells():
    nb = qmd_to_nb(DOC)
    nb["cells"][4]["source"] = "#| echo: true\nf(3)"  # the directive from `{python echo=false}` was edited
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "New prose."})
    out = nb_to_qmd(nb)
    assert "```{python}\n#| echo: true\nf(3)\n```\n\nNew prose.\n" in out
    assert qmd_to_nb(out)["cells"][-1]["source"] == "New prose."


def _chapters():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    return sorted((root / "nbs").rglob("*.qmd")) + sorted((root / "docs_src").rglob("*.qmd"))


def test_every_chapter_round_trips_through_a_jupyter_notebook(tmp_path, monkeypatch):
    import json

    import nbformat

    import nbq

    monkeypatch.setattr(nbq, "_SYNC", tmp_path / "sync.json")
    chapters = _chapters()
    assert len(chapters) >= 10
    for path in chapters:
        qmd = tmp_path / path.name
        qmd.write_text(path.read_text())
        ipynb = nbq.to_notebook(qmd)
        nb = nbformat.read(ipynb, as_version=4)
        nbformat.validate(nb)
        assert [c.cell_type for c in nb.cells] == [c["cell_type"] for c in qmd_to_nb(path.read_text())["cells"]]
        ipynb.write_text(json.dumps(json.loads(ipynb.read_text()), indent=2))  # saved again, as Jupyter would
        qmd.unlink()
        nbq.to_qmd(ipynb)
        assert qmd.read_text() == path.read_text(), path


def test_writing_back_refuses_to_overwrite_newer_edits(tmp_path):
    import subprocess
    import sys

    nbq = [sys.executable, str(__import__("nbq").__file__)]
    qmd = tmp_path / "c.qmd"
    qmd.write_text(DOC)
    assert subprocess.run(nbq + ["notebook", str(qmd)], capture_output=True).returncode == 0
    qmd.write_text(DOC + "\nEdited in the .qmd meanwhile.\n")
    r = subprocess.run(nbq + ["qmd", str(qmd.with_suffix(".ipynb"))], capture_output=True, text=True)
    assert r.returncode != 0 and "changed since" in r.stderr and "Edited" in qmd.read_text()
    r = subprocess.run(nbq + ["qmd", "--force", str(qmd.with_suffix(".ipynb"))], capture_output=True, text=True)
    assert r.returncode == 0 and qmd.read_text() == DOC


@pytest.mark.parametrize("text, msg", [
    ("```{python}\n1\n", "never closed"),
    ("---\ntitle: x\n", "front matter"),
    ("```{r}\n1\n```\n", "only {python}"),
    ("```{python echo}\n1\n```\n", "cell attribute"),
])
def test_errors_name_the_problem(text, msg):
    with pytest.raises(QmdError, match=msg):
        qmd_to_nb(text, "demo.qmd")


def test_notebooks_parse():
    from pathlib import Path

    import nbq

    for p in nbq.qmd_files():
        nb = qmd_to_nb(p.read_text(), p)
        assert any(c["cell_type"] == "code" for c in nb["cells"]) or p.name == "index.qmd", p
