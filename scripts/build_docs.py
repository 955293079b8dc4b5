"""Build the hamux docs site: execute every notebook and render static HTML into `_docs/`.

With Quarto installed (`quarto` on PATH) and `--quarto`, the `.qmd` chapters and
`docs_src/` are staged into `_proc/` and rendered by `quarto render`. Without it
(the default, and the only path that needs no internet to install), this script:

1. reads the sidebar from `docs_src/_quarto.yml`;
2. reads each page (`nbs/*.qmd`, `nbs/examples/*.qmd`, `docs_src/**/*.qmd`) with `qmd.read_qmd`;
3. inserts `show_doc(...)` after every exported definition, as nbdev does;
4. executes the notebook with nbclient in the project's kernel (all cells that may
   run: `#| eval: false` is skipped, `#| slow` runs, `#| gpu` runs only with `--flags gpu`);
5. renders it to HTML with nbdev's display rules (`#| hide`, `#| export`, `#| echo`,
   `#| output`, `#| code-fold`), Quarto callouts, labelled equations, and MathJax served
   from `_docs/mathjax/` so the site works offline;
6. writes `README.md` from `nbs/index.qmd`.

Usage: python scripts/build_docs.py [--only PAGE ...] [--flags gpu] [--no-exec] [--quarto]
"""
from __future__ import annotations

import argparse
import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qmd import read_qmd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NBS, SRC, OUT = ROOT / "nbs", ROOT / "docs_src", ROOT / "_docs"
_HIDE = {"hide", "export", "exporti", "default_exp"}
_DIRECTIVE = re.compile(r"^\s*#\|\s*([\w-]+)(?::)?\s*(.*?)\s*$")


# ---------------------------------------------------------------- pages and sidebar
def page_source(ref: str) -> Path:
    "The `.qmd` file a sidebar entry names, looked up in `nbs/` then `docs_src/`."
    for base in (NBS, SRC):
        if (base / ref).exists():
            return base / ref
    raise FileNotFoundError(f"sidebar entry {ref!r} in docs_src/_quarto.yml is neither nbs/{ref} nor docs_src/{ref}")


def _repo_path(ref: str) -> str:
    "A page's source relative to the repository root, for links in README.md."
    return str(page_source(ref).relative_to(ROOT)) if _exists(ref) else ref


def _exists(ref: str) -> bool:
    return (NBS / ref).exists() or (SRC / ref).exists()


def html_name(ref: str) -> str:
    "Output name of a page: the numeric prefix dropped, as nbdev's doc links expect (`01_neurons.qmd` -> `neurons.html`)."
    p = Path(ref)
    return str(p.with_name(re.sub(r"^\d+[a-zA-Z0-9]*_", "", p.name)).with_suffix(".html"))


def read_sidebar() -> list[tuple[str | None, list[str]]]:
    "Sections of the sidebar as (title, [page refs]); the first section has no title."
    import yaml

    cfg = yaml.safe_load((SRC / "_quarto.yml").read_text())
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for item in cfg["website"]["sidebar"]["contents"]:
        if isinstance(item, str):
            sections[0][1].append(item)
        else:
            sections.append((item["section"], list(item["contents"])))
    return sections


# ---------------------------------------------------------------- cell directives
def directives(source: str) -> tuple[dict[str, str], str]:
    "Split `#| key: value` lines off the top of a cell: (directives, remaining source)."
    d, lines = {}, source.split("\n")
    i = 0
    while i < len(lines) and (m := _DIRECTIVE.match(lines[i])):
        d[m[1]] = m[2]
        i += 1
    return d, "\n".join(lines[i:]).strip("\n")


def _exported_names(source: str) -> list[str]:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not n.name.startswith("_")]


def prepare(nb: dict) -> dict:
    "Add `show_doc` cells after exported definitions (nbdev's rule) and a setup cell at the top."
    shown = set(re.findall(r"^show_doc\(\s*([\w.]+)", "\n".join(c["source"] for c in nb["cells"]), re.M))
    cells = [{"cell_type": "code", "metadata": {"role": "setup"}, "outputs": [], "execution_count": None,
              "source": "from nbdev.showdoc import show_doc\n%matplotlib inline"}]
    for c in nb["cells"]:
        c = dict(c, metadata=dict(c.get("metadata", {})))
        d, body = directives(c["source"]) if c["cell_type"] == "code" else ({}, "")
        c["metadata"]["directives"] = d
        docs = []
        if c["cell_type"] == "code" and ({"export", "exports"} & d.keys()) and "hide" not in d:
            for name in _exported_names(body):
                if name not in shown:
                    docs.append({"cell_type": "code", "metadata": {"role": "showdoc", "directives": {}},
                                 "outputs": [], "execution_count": None, "source": f"show_doc({name})"})
        cells.extend([c] + docs)
    return dict(nb, cells=cells)


def display_order(cells: list[dict]) -> list[dict]:
    "nbdev shows an `#| exports` cell's source after the documentation generated for it."
    out, i = [], 0
    while i < len(cells):
        j = i + 1
        while j < len(cells) and cells[j]["metadata"].get("role") == "showdoc":
            j += 1
        exports = "exports" in cells[i]["metadata"].get("directives", {})
        out.extend(cells[i + 1 : j] + [cells[i]] if exports else cells[i:j])
        i = j
    return out


def _runs(cell: dict, flags: set[str]) -> bool:
    d = cell["metadata"].get("directives", {})
    if d.get("eval", "").lower() == "false":
        return False
    return not ({"gpu"} & d.keys()) or "gpu" in flags


# ---------------------------------------------------------------- execution
def execute(nb: dict, cwd: Path, flags: set[str], timeout: int) -> dict:
    "Run every cell that may run, in a fresh kernel started in `cwd`; outputs are stored in `nb`."
    import nbformat
    from nbclient import NotebookClient

    runnable = [c for c in nb["cells"] if c["cell_type"] == "code" and _runs(c, flags)]
    sub = nbformat.from_dict({"cells": [dict(c, source=directives(c["source"])[1] if c["metadata"].get("role") is None
                                             else c["source"]) for c in runnable],
                              "metadata": nb["metadata"], "nbformat": 4, "nbformat_minor": 5})
    client = NotebookClient(sub, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.execute()
    for c, done in zip(runnable, sub.cells):
        c["outputs"] = [dict(o) for o in done.get("outputs", [])]
    return nb


# ---------------------------------------------------------------- markdown, Quarto syntax
_DIV = re.compile(r"^(:{3,})\s*(\{.*\})?\s*$")
_EQ = re.compile(r"\$\$(.+?)\$\$\s*\{#(eq-[\w-]+)\}", re.S)


class Page:
    "Render state of one page: open fenced divs, equation numbers, links to other pages."

    def __init__(self, links: dict[str, str]):
        self.open: list[str] = []
        self.eqs: dict[str, int] = {}
        self.links = links

    def number_equations(self, text: str):
        for m in _EQ.finditer(text):
            self.eqs.setdefault(m[2], len(self.eqs) + 1)

    def markdown(self, text: str) -> str:
        from nbconvert.filters.markdown_mistune import markdown2html_mistune

        text = _EQ.sub(lambda m: f'<a id="{m[2]}"></a>\n\n$${m[1].rstrip()} \\tag{{{self.eqs[m[2]]}}}$$', text)
        text = re.sub(r"@(eq-[\w-]+)", lambda m: f"[({self.eqs.get(m[1], '?')})](#{m[1]})", text)
        text = re.sub(r"\]\(([\w./-]+)\.qmd(#[\w-]*)?\)",
                      lambda m: f"]({self.links.get(m[1] + '.qmd', html_name(m[1] + '.qmd'))}{m[2] or ''})", text)
        out, chunk = [], []
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            m = _DIV.match(lines[i])
            if not m:
                chunk.append(lines[i])
                i += 1
                continue
            out.append(markdown2html_mistune("\n".join(chunk)))
            chunk = []
            if m[2]:  # an opening fence with attributes
                attrs = m[2]
                classes = " ".join(re.findall(r"\.([\w-]+)", attrs))
                title = re.search(r'title="([^"]*)"', attrs)
                title = title[1] if title else None
                if i + 1 < len(lines) and lines[i + 1].startswith("## ") and "callout" in classes:
                    title, i = lines[i + 1][3:].strip(), i + 1
                kind = re.search(r"callout-(\w+)", classes)
                if 'collapse="true"' in attrs:
                    self.open.append("details")
                    out.append(f'<details class="{classes}"><summary>{html.escape(title or (kind[1] if kind else ""))}'
                               f"</summary>")
                else:
                    self.open.append("div")
                    head = f'<div class="callout-title">{html.escape(title)}</div>' if title else ""
                    out.append(f'<div class="{classes}">{head}')
            elif self.open:
                out.append(f"</{self.open.pop()}>")
            i += 1
        out.append(markdown2html_mistune("\n".join(chunk)))
        return "\n".join(out)


# ---------------------------------------------------------------- cells to HTML
def _highlight(code: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight"))


def _text(o) -> str:
    return o if isinstance(o, str) else "".join(o)


def render_output(o: dict, page: Page) -> str:
    from nbconvert.filters.ansi import ansi2html

    kind = o.get("output_type")
    if kind == "stream":
        return f'<pre class="output stream-{o.get("name", "stdout")}">{ansi2html(_text(o.get("text", "")))}</pre>'
    if kind == "error":
        return f'<pre class="output error">{ansi2html(chr(10).join(o.get("traceback", [])))}</pre>'
    data = o.get("data", {})
    if "image/png" in data:
        return f'<img class="output" src="data:image/png;base64,{_text(data["image/png"]).strip()}">'
    if "image/svg+xml" in data:
        return f'<div class="output">{_text(data["image/svg+xml"])}</div>'
    if "text/html" in data:
        return f'<div class="output">{_text(data["text/html"])}</div>'
    if "text/markdown" in data:
        return f'<div class="output markdown">{page.markdown(_text(data["text/markdown"]))}</div>'
    if "text/latex" in data:
        return f'<div class="output">{_text(data["text/latex"])}</div>'
    if "text/plain" in data:
        return f'<pre class="output">{html.escape(_text(data["text/plain"]))}</pre>'
    return ""


def render_cell(c: dict, page: Page) -> str:
    if c["cell_type"] == "markdown":
        return page.markdown(_text(c["source"]))
    if c["cell_type"] != "code":
        return ""
    role, d = c["metadata"].get("role"), c["metadata"].get("directives", {})
    outputs = "".join(render_output(o, page) for o in c.get("outputs", []))
    if role == "setup" or (_HIDE & d.keys()) or d.get("include") == "false":
        return ""
    if role == "showdoc":
        return f'<div class="showdoc">{outputs}</div>'
    if d.get("output") == "false":
        outputs = ""
    _, body = directives(_text(c["source"]))
    src = "" if d.get("echo") == "false" or not body.strip() else _highlight(body)
    if src and d.get("code-fold") == "true":
        src = f'<details class="code-fold"><summary>Code</summary>{src}</details>'
    return f'<div class="cell">{src}{outputs}</div>' if (src or outputs) else ""


# ---------------------------------------------------------------- page template
def sidebar_html(sections, current: str, titles: dict[str, str]) -> str:
    parts = []
    for title, refs in sections:
        if title:
            parts.append(f'<div class="sidebar-section">{html.escape(title)}</div>')
        for r in refs:
            cls = ' class="active"' if r == current else ""
            parts.append(f'<a{cls} href="{html_name(r)}">{html.escape(titles[r])}</a>')
    return "\n".join(parts)


def page_html(body: str, title: str, desc: str, sidebar: str, prev, nxt, css: str) -> str:
    nav = ""
    if prev:
        nav += f'<a class="prev" href="{prev[0]}">← {html.escape(prev[1])}</a>'
    if nxt:
        nav += f'<a class="next" href="{nxt[0]}">{html.escape(nxt[1])} →</a>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – hamux</title>
<style>{css}</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [['$','$'], ['\\\\(','\\\\)']], processEscapes: true}},
  TeX: {{equationNumbers: {{autoNumber: "none"}}}},
  "HTML-CSS": {{availableFonts: ["STIX-Web"], preferredFont: "STIX-Web", webFont: "STIX-Web", imageFont: null}},
  MathMenu: {{showRenderer: false}}, messageStyle: "none"}});
</script>
<script src="mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"></script>
</head><body>
<nav class="sidebar"><a class="brand" href="index.html">hamux</a>{sidebar}</nav>
<main><header><h1>{html.escape(title)}</h1>{f'<p class="description">{html.escape(desc)}</p>' if desc else ''}</header>
{body}
<footer class="pager">{nav}</footer></main>
</body></html>"""


# ---------------------------------------------------------------- README
def readme(nb: dict) -> str:
    "Markdown for README.md from the executed index notebook: prose, code and plain outputs."
    import yaml

    parts = []
    for c in nb["cells"]:
        src = _text(c["source"])
        if c["cell_type"] == "raw" and src.startswith("---"):
            fm = yaml.safe_load(src.strip().strip("-"))
            parts.append(f"# {fm.get('title', 'hamux')}\n\n> {fm.get('description', '')}".rstrip("> \n"))
        elif c["cell_type"] == "markdown":
            md = re.sub(r"^:::+.*$\n?", "", src, flags=re.M)
            parts.append(re.sub(r"\]\(([\w/-]+\.qmd)\)", lambda m: f"]({_repo_path(m[1])})", md).strip())
        elif c["cell_type"] == "code" and c["metadata"].get("role") is None:
            d, body = directives(src)
            if _HIDE & d.keys() or d.get("include") == "false":
                continue
            if body.strip() and d.get("echo") != "false":
                parts.append(f"```python\n{body}\n```")
            text = "".join(_text(o.get("text", "")) if o.get("output_type") == "stream"
                           else _text(o.get("data", {}).get("text/plain", "")) for o in c.get("outputs", []))
            if text.strip() and d.get("output") != "false":
                parts.append(f"```\n{text.rstrip()}\n```")
    head = "<!-- Generated from nbs/index.qmd by scripts/build_docs.py: edit that file, not this one. -->\n\n"
    return head + "\n\n".join(p for p in parts if p) + "\n"


# ---------------------------------------------------------------- driver
def build_page(ref: str, flags: set[str], execute_cells: bool, timeout: int) -> tuple[str, dict, float]:
    src = page_source(ref)
    t0 = time.time()
    nb = prepare(read_qmd(src))
    fm = nb["cells"][1]["source"] if len(nb["cells"]) > 1 and nb["cells"][1]["cell_type"] == "raw" else ""
    if execute_cells and "skip_exec: true" not in fm:
        try:
            execute(nb, src.parent, flags, timeout)
        except Exception as e:
            raise RuntimeError(f"executing {src.relative_to(ROOT)} failed:\n{e}") from None
    return ref, nb, time.time() - t0


def front_matter(nb: dict) -> dict:
    import yaml

    for c in nb["cells"]:
        if c["cell_type"] == "raw" and _text(c["source"]).startswith("---"):
            return yaml.safe_load(_text(c["source"]).strip().strip("-")) or {}
    return {}


def quarto_build() -> int:
    "Stage the .qmd chapters and docs_src/ into _proc/ and let Quarto render the site into _docs/."
    proc = ROOT / "_proc"
    shutil.rmtree(proc, ignore_errors=True)
    shutil.copytree(NBS, proc, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    shutil.copytree(SRC, proc, dirs_exist_ok=True)
    return subprocess.run(["quarto", "render", str(proc), "--output-dir", str(OUT)]).returncode


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", default=None, help="build only these sidebar entries (e.g. 01_neurons.qmd)")
    ap.add_argument("--flags", default="", help="extra cell flags to run, e.g. 'gpu'")
    ap.add_argument("--no-exec", action="store_true", help="render without executing (no outputs)")
    ap.add_argument("--quarto", action="store_true", help="render with Quarto (must be on PATH)")
    ap.add_argument("--workers", type=int, default=2, help="notebooks executed at once")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds one cell may run")
    a = ap.parse_args(argv)
    if a.quarto:
        if not shutil.which("quarto"):
            print("`quarto` is not on PATH; run without --quarto for the offline build.", file=sys.stderr)
            return 2
        return quarto_build()

    sections = read_sidebar()
    refs = [r for _, rs in sections for r in rs]
    todo = a.only if a.only else refs
    unknown = [r for r in todo if r not in refs]
    if unknown:
        print(f"not in the sidebar of docs_src/_quarto.yml: {unknown}; known pages: {refs}", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    os.environ.update(MPLBACKEND="module://matplotlib_inline.backend_inline", PYTHONHASHSEED="0")
    t0, flags = time.time(), set(a.flags.split())
    built: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=max(1, a.workers)) as pool:
        for ref, nb, secs in pool.map(lambda r: build_page(r, flags, not a.no_exec, a.timeout), todo):
            built[ref] = nb
            print(f"executed {ref} in {secs:.1f}s", flush=True)
    def title(r):
        nb = built.get(r) or (read_qmd(page_source(r)) if r in todo or _exists(r) else None)
        return (front_matter(nb).get("title") if nb else None) or r

    titles = {r: title(r) for r in refs}
    links = {r: html_name(r) for r in refs}
    from pygments.formatters import HtmlFormatter

    css = (SRC / "styles.css").read_text() + HtmlFormatter(cssclass="highlight").get_style_defs(".highlight")
    for ref, nb in built.items():
        page = Page(links)
        for c in nb["cells"]:
            if c["cell_type"] == "markdown":
                page.number_equations(_text(c["source"]))
        body = "\n".join(filter(None, (render_cell(c, page) for c in display_order(nb["cells"]))))
        fm, i = front_matter(nb), refs.index(ref)
        prev = (html_name(refs[i - 1]), titles[refs[i - 1]]) if i > 0 else None
        nxt = (html_name(refs[i + 1]), titles[refs[i + 1]]) if i + 1 < len(refs) else None
        out = OUT / html_name(ref)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = page_html(body, fm.get("title", ref), fm.get("description", ""),
                         sidebar_html(sections, ref, titles), prev, nxt, css)
        depth = len(Path(html_name(ref)).parts) - 1  # pages in subfolders link up to the root
        if depth:
            text = re.sub(r'(href|src)="(?!https?:|#|data:|/)([^"]+)"', lambda m: f'{m[1]}="{"../" * depth}{m[2]}"', text)
        out.write_text(text)
        if ref == "index.qmd" and not a.no_exec:
            (ROOT / "README.md").write_text(readme(nb))
    import jupyter_server_mathjax

    mj = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (OUT / "mathjax" / "MathJax.js").exists():
        shutil.copytree(mj, OUT / "mathjax", dirs_exist_ok=True)
    (OUT / "build.json").write_text(json.dumps({"pages": sorted(html_name(r) for r in built),
                                                "seconds": round(time.time() - t0, 1)}, indent=1))
    print(f"built {len(built)} pages into {OUT.relative_to(ROOT)}/ in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
