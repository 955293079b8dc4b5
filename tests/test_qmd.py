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


def test_round_trip_through_nb_to_qmd():
    nb = qmd_to_nb(DOC)
    again = qmd_to_nb(nb_to_qmd(nb))
    assert [(c["cell_type"], c["source"]) for c in again["cells"]] == [(c["cell_type"], c["source"]) for c in nb["cells"]]


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
