"""Read a Quarto `.qmd` document as a Jupyter notebook.

A `.qmd` file is YAML front matter, markdown, and executable cells fenced as
```` ```{python} ````. This module turns one into an nbformat-4 notebook dict:

- the front matter becomes the first cell, a raw cell (as `quarto convert` does);
- each ```` ```{python} ```` block becomes a code cell, its `#|` directive lines kept;
- the markdown between code blocks becomes one markdown cell per run.

Fences inside markdown (```` ```python ````, ```` ~~~ ````) are left alone, so a
chapter can show a literal ```` ```{python} ```` block inside a longer fence.
Every code cell records the 1-based line of the `.qmd` where its code starts
(after its `#|` directives), in `metadata["qmd_line"]`, so exported modules can
point back to it.

It has no dependency beyond the standard library, so the build scripts and the
tests can import it before anything else is installed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

__all__ = ["QmdError", "qmd_to_nb", "read_qmd", "nb_to_qmd"]

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_EXEC = re.compile(r"^\{(?P<lang>[A-Za-z0-9_+-]+)(?P<attrs>[^}]*)\}\s*$")


class QmdError(ValueError):
    "A `.qmd` file that cannot be read as a notebook; the message names the file and line."


def _md_cell(lines: list[str]) -> dict | None:
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        return None
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code_cell(lines: list[str], line: int) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"qmd_line": line},
        "outputs": [],
        "source": "\n".join(lines),
    }


def _attrs_to_directives(attrs: str, where: str) -> list[str]:
    "Turn Quarto's `{python echo=false}` attributes into `#| echo: false` lines."
    out = []
    for tok in attrs.split():
        if "=" not in tok:
            raise QmdError(f"{where}: cannot read cell attribute {tok!r}; write it as a `#| key: value` line instead.")
        k, v = tok.split("=", 1)
        out.append(f"#| {k}: {v.strip(chr(34)).strip(chr(39))}")
    return out


def _split_front_matter(lines: list[str], where: str) -> tuple[str | None, int]:
    "Return the front matter text (with its `---` lines) and the index of the first line after it."
    if not lines or lines[0].strip() != "---":
        return None, 0
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[: i + 1]), i + 1
    raise QmdError(f"{where}: front matter opened by `---` on line 1 is never closed; add a `---` line after it.")


def qmd_to_nb(text: str, path: str | Path = "<string>") -> dict:
    "Parse the text of a `.qmd` document into an nbformat-4 notebook dict."
    lines = text.splitlines()
    fm, i = _split_front_matter(lines, str(path))
    cells: list[dict] = []
    if fm is not None:
        cells.append({"cell_type": "raw", "metadata": {}, "source": fm})
    md: list[str] = []
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            md.append(lines[i])
            i += 1
            continue
        fence, info = m["fence"], m["info"].strip()
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):
            raise QmdError(f"{path}:{i + 1}: fence {fence}{info} is never closed; add a closing {fence} line.")
        ex = _EXEC.match(info)
        if ex is None:  # a plain fence inside markdown: keep it verbatim
            md.extend(lines[i : j + 1])
        elif ex["lang"] != "python":
            raise QmdError(f"{path}:{i + 1}: only {{python}} cells can run in this project, got {{{ex['lang']}}}; "
                           "use a plain ``` fence to show other code.")
        else:
            if (c := _md_cell(md)) is not None:
                cells.append(c)
            md = []
            body = _attrs_to_directives(ex["attrs"], f"{path}:{i + 1}") + lines[i + 1 : j]
            first = next((k for k in range(i + 1, j) if not lines[k].lstrip().startswith("#|")), i + 1)
            cells.append(_code_cell(body, first + 1))
        i = j + 1
    if (c := _md_cell(md)) is not None:
        cells.append(c)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def read_qmd(path: str | Path) -> dict:
    "Read the `.qmd` file at `path` as an nbformat-4 notebook dict."
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no such .qmd file: {path}") from None
    return qmd_to_nb(text, path)


def nb_to_qmd(nb: dict) -> str:
    "Write a notebook dict back as `.qmd` text (inverse of `qmd_to_nb` up to blank lines)."
    parts = []
    for c in nb["cells"]:
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        parts.append(f"```{{python}}\n{src}\n```" if c["cell_type"] == "code" else src)
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":  # python scripts/qmd.py nbs/00_lagrangians.qmd > out.ipynb
    import sys

    json.dump(read_qmd(sys.argv[1]), sys.stdout, indent=1)
