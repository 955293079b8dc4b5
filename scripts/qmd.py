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


def _md_cell(lines: list[str]) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": "\n".join(lines)}


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


def _layout(cell: dict, **values) -> None:
    "Record how a cell sat in the `.qmd` (blank lines before it, its fence lines) where it differs from the default."
    if values:
        cell["metadata"]["qmd"] = values


def qmd_to_nb(text: str, path: str | Path = "<string>") -> dict:
    "Parse the text of a `.qmd` document into an nbformat-4 notebook dict (`nb_to_qmd` writes it back exactly)."
    eol = text.endswith("\n")
    lines = text.split("\n")[:-1] if eol else text.split("\n")
    fm, i = _split_front_matter(lines, str(path))
    cells: list[dict] = []
    if fm is not None:
        cells.append({"cell_type": "raw", "metadata": {}, "source": fm})
    md: list[str] = []
    blank = 0  # empty lines waiting before the next cell

    def add(cell: dict, **layout):
        nonlocal blank
        default = 1 if cells else 0
        if blank != default:
            layout["gap"] = blank
        _layout(cell, **layout)
        cells.append(cell)
        blank = 0

    def flush_md():
        nonlocal blank, md
        k = 0
        while k < len(md) and md[k] == "":
            k += 1
        blank += k
        body = md[k:]
        tail = 0
        while body and body[-1] == "":
            body.pop()
            tail += 1
        if body:
            add(_md_cell(body))
        blank += tail
        md = []

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
            flush_md()
            attrs = _attrs_to_directives(ex["attrs"], f"{path}:{i + 1}")
            body = lines[i + 1 : j]
            first = next((k for k in range(i + 1, j) if not lines[k].lstrip().startswith("#|")), i + 1)
            layout = {}
            if lines[i] != "```{python}":
                layout["open"] = lines[i]
            if lines[j] != "```":
                layout["close"] = lines[j]
            if body == [""]:
                layout["blank_body"] = True
            add(_code_cell(attrs + body, first + 1), **layout)
        i = j + 1
    flush_md()
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    if blank or not eol:
        nb["metadata"]["qmd"] = {"trailing": blank, "eol": eol}
    return nb


def read_qmd(path: str | Path) -> dict:
    "Read the `.qmd` file at `path` as an nbformat-4 notebook dict."
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no such .qmd file: {path}") from None
    return qmd_to_nb(text, path)


def _code_lines(c: dict, src: str) -> list[str]:
    lay = c.get("metadata", {}).get("qmd", {})
    body = src.split("\n") if src or lay.get("blank_body") else []
    opening, closing = lay.get("open", "```{python}"), lay.get("close", "```")
    m = _FENCE.match(opening)
    ex = _EXEC.match(m["info"].strip()) if m else None
    if ex is None or ex["lang"] != "python":
        opening, closing = "```{python}", "```"
    elif ex["attrs"].strip():  # `{python echo=false}`: its directives lead the source unless edited away
        derived = _attrs_to_directives(ex["attrs"], "<cell>")
        if body[: len(derived)] == derived:
            body = body[len(derived):]
        else:
            opening = f"{m['indent']}{m['fence']}{{python}}"
    return [opening, *body, closing]


def nb_to_qmd(nb: dict) -> str:
    "Write a notebook dict back as `.qmd` text: the exact inverse of `qmd_to_nb` for a notebook it produced."
    out: list[str] = []
    for k, c in enumerate(nb["cells"]):
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        out.extend([""] * c.get("metadata", {}).get("qmd", {}).get("gap", 0 if k == 0 else 1))
        out.extend(_code_lines(c, src) if c["cell_type"] == "code" else src.split("\n"))
    tail = nb.get("metadata", {}).get("qmd", {})
    out.extend([""] * tail.get("trailing", 0))
    return "\n".join(out) + ("\n" if tail.get("eol", True) else "")


if __name__ == "__main__":  # python scripts/qmd.py nbs/00_lagrangians.qmd > out.ipynb
    import sys

    json.dump(read_qmd(sys.argv[1]), sys.stdout, indent=1)
