"""Build the hamux docs site: execute every notebook and render static HTML into `_docs/`.

Without Quarto (the default, and the only path that installs offline) this script:

1. reads the sidebar from `docs_src/_quarto.yml` (glob entries such as `/[0-9]*.qmd` list
   every matching page of `nbs/` and `docs_src/`, so a new chapter appears by itself);
2. reads each page with `qmd.read_qmd` and applies nbdev's own processors: `add_show_docs`
   before execution; `clean_show_doc`, `rm_export`, `hide_`, `add_fold` and `mv_exports` after;
3. executes the notebook with nbclient in the project's kernel (`#| eval: false` is skipped,
   `#| slow` runs, `#| gpu` runs only with `--flags gpu`), with `show_doc` rendering
   signatures as the source writes them (`scripts/doc_signatures.py`);
4. renders HTML: stream outputs merged per cell with carriage returns honoured (nbconvert's
   `CoalesceStreamsPreprocessor`, so a progress bar shows its final line), Quarto callouts
   (fence-aware), labelled equations, a table of contents, copy buttons, a "view source" page
   of each `.qmd`, and MathJax served from `_docs/mathjax/` so the site works offline;
5. builds the full-text search index with pagefind and checks every local link
   (`scripts/check_links.py`); writes `README.md` from `nbs/index.qmd`.

`--quarto` instead stages `nbs/` and `docs_src/` into `_proc/` and runs `quarto render`. That
path is untested here: Quarto downloads its binary when it installs, so it cannot be installed
offline.

Usage: python scripts/build_docs.py [--only PAGE ...] [--flags gpu] [--no-exec] [--out DIR] [--quarto]
"""
from __future__ import annotations

import argparse
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
from qmd import read_qmd  # noqa: E402

ROOT = SCRIPTS.parent
NBS, SRC, OUT = ROOT / "nbs", ROOT / "docs_src", ROOT / "_docs"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DIRECTIVE = re.compile(r"^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")


# ---------------------------------------------------------------- pages and sidebar
def page_source(ref: str) -> Path:
    "The `.qmd` file a sidebar entry names, looked up in `nbs/` then `docs_src/`."
    for base in (NBS, SRC):
        if (base / ref).exists():
            return base / ref
    raise FileNotFoundError(f"sidebar entry {ref!r} in docs_src/_quarto.yml is neither nbs/{ref} nor docs_src/{ref}")


def html_name(ref: str) -> str:
    "Output name of a page: the numeric prefix dropped, as nbdev's doc links expect (`01_neurons.qmd` -> `neurons.html`)."
    p = Path(ref)
    return str(p.with_name(re.sub(r"^\d+[a-zA-Z0-9]*_", "", p.name)).with_suffix(".html"))


def expand(entry: str) -> list[str]:
    "A sidebar entry: a page, or a glob (`/[0-9]*.qmd`, `/examples/*.qmd`) over `nbs/` and `docs_src/`, sorted by name."
    if not re.search(r"[*?\[]", entry):
        return [entry]
    pat = entry.lstrip("/")
    found = {str(p.relative_to(base)) for base in (NBS, SRC) for p in base.glob(pat)
             if p.suffix == ".qmd" and not p.name.startswith(("_", "."))}
    return sorted(found, key=lambda r: (posixpath.dirname(r), posixpath.basename(r)))


def read_sidebar() -> list[tuple[str | None, list[str]]]:
    "Sections of the sidebar as (title, [page refs]); the first section has no title."
    import yaml

    cfg = yaml.safe_load((SRC / "_quarto.yml").read_text())
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for item in cfg["website"]["sidebar"]["contents"]:
        if isinstance(item, str):
            sections[0][1].extend(expand(item))
        else:
            contents = item["contents"]
            refs = [r for e in ([contents] if isinstance(contents, str) else contents) for r in expand(e)]
            sections.append((item["section"], refs))
    listed: set[str] = set()
    for _, refs in sections:  # a page named explicitly is not listed again by a later glob
        refs[:] = [r for r in refs if not (r in listed or listed.add(r))]
    return sections


def resolve(page_ref: str, target: str) -> str:
    "The sidebar ref a link in page `page_ref` points to (`../03_ham.qmd` from `examples/x.qmd` -> `03_ham.qmd`)."
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_ref), target))


# ---------------------------------------------------------------- nbdev processing and execution
def directives(cell) -> dict[str, str]:
    "A cell's directives as {name: value}: nbdev's `directives_` plus the Quarto ones left in its source."
    d = {k.rstrip(":"): " ".join(v) for k, v in (cell.get("directives_") or {}).items()}
    for line in cell.get("source", "").split("\n"):
        if not (m := _DIRECTIVE.match(line)):
            break
        d[m[1]] = m[2].strip("'\"")
    return d


def strip_directives(source: str) -> str:
    lines = source.split("\n")
    i = 0
    while i < len(lines) and _DIRECTIVE.match(lines[i]):
        i += 1
    return "\n".join(lines[i:]).strip("\n")


_SETUP = (f"#| hide\nimport sys\nsys.path.insert(0, {str(SCRIPTS)!r})\nimport doc_signatures\ndoc_signatures.use()\n"
          "from nbdev.showdoc import show_doc\n%matplotlib inline")


def prepare(src: Path):
    "The page as an nbdev notebook: a setup cell first, `show_doc` cells after exported definitions."
    from execnb.nbio import dict2nb
    from nbdev.process import NBProcessor
    from nbdev.processors import add_show_docs

    d = read_qmd(src)
    at = 1 if d["cells"] and d["cells"][0]["cell_type"] == "raw" else 0
    d["cells"].insert(at, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": _SETUP})
    nb = dict2nb(d)
    NBProcessor(nb=nb, procs=[add_show_docs], rm_directives=False).process()
    return nb


def finish(nb):
    "nbdev's display processors, after execution: hide what is hidden, fold and move `#| exports` sources."
    from nbdev.process import NBProcessor
    from nbdev.processors import add_fold, clean_show_doc, hide_, mv_exports, rm_export

    NBProcessor(nb=nb, procs=[clean_show_doc, rm_export, hide_, add_fold, mv_exports]).process()
    return nb


def _runs(cell, flags: set[str]) -> bool:
    d = directives(cell)
    return d.get("eval", "").lower() != "false" and ("gpu" not in d or "gpu" in flags)


def execute(nb, cwd: Path, flags: set[str], timeout: int):
    "Run every cell that may run, in a fresh kernel started in `cwd`; stream outputs are merged per cell."
    import nbformat
    from nbclient import NotebookClient
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    runnable = [c for c in nb.cells if c.cell_type == "code" and _runs(c, flags)]
    sub = nbformat.from_dict({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                         "source": c.source} for c in runnable],
                              "metadata": dict(nb.metadata), "nbformat": 4, "nbformat_minor": 5})
    try:
        NotebookClient(sub, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    finally:  # on an error too: the page then shows the outputs up to the failing cell, and its traceback
        CoalesceStreamsPreprocessor().preprocess(sub, {})
        for c, done in zip(runnable, sub.cells):
            c["outputs"] = [dict(o) for o in done.get("outputs", [])]
    return nb


# ---------------------------------------------------------------- markdown, Quarto syntax
_DIV = re.compile(r"^(:{3,})\s*(\{.*\})?\s*$")
_EQ = re.compile(r"\$\$((?:(?!\$\$).)+?)\$\$\s*\{#(eq-[\w-]+)\}", re.S)  # never spans another $$ pair


def _outside_fences(text: str, fn) -> str:
    "Apply `fn` to the parts of markdown `text` that are not inside a ``` or ~~~ fence."
    out, buf, fence = [], [], None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            out.append(fn("\n".join(buf))) if buf else None
            buf, fence = [line], m[1]
        elif fence is not None:
            buf.append(line)
            if m and m[1][0] == fence[0] and len(m[1]) >= len(fence) and not line.strip()[len(m[1]):]:
                out.append("\n".join(buf))
                buf, fence = [], None
        else:
            buf.append(line)
    if buf:
        out.append("\n".join(buf) if fence else fn("\n".join(buf)))
    return "\n".join(out)


class Page:
    "Render state of one page: open fenced divs, equation numbers, links to other pages."

    def __init__(self, links: dict[str, str], ref: str = "index.qmd"):
        self.open: list[str] = []
        self.eqs: dict[str, int] = {}
        self.links, self.ref = links, ref

    def number_equations(self, text: str):
        def number(part: str) -> str:
            for m in _EQ.finditer(part):
                self.eqs.setdefault(m[2], len(self.eqs) + 1)
            return part

        _outside_fences(text, number)

    def _link(self, m) -> str:
        ref = resolve(self.ref, m[1] + ".qmd")
        return f"]({self.links.get(ref, html_name(ref))}{m[2] or ''})"

    def _quarto(self, text: str) -> str:
        text = _EQ.sub(lambda m: f'<a id="{m[2]}"></a>\n\n$${m[1].rstrip()} \\tag{{{self.eqs[m[2]]}}}$$', text)
        text = re.sub(r"@(eq-[\w-]+)", lambda m: f"[({self.eqs.get(m[1], '?')})](#{m[1]})", text)
        return re.sub(r"\]\(([\w./-]+)\.qmd(#[\w-]*)?\)", self._link, text)

    def markdown(self, text: str) -> str:
        from nbconvert.filters.markdown_mistune import markdown2html_mistune

        text = _outside_fences(text, self._quarto)
        out, chunk, fence = [], [], None
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            f = _FENCE.match(lines[i])
            if fence is not None or f:  # code fences are copied verbatim: a `:::` inside one is code
                if fence is None:
                    fence = f[1]
                elif f and f[1][0] == fence[0] and len(f[1]) >= len(fence):
                    fence = None
                chunk.append(lines[i])
                i += 1
                continue
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
                    out.append(f'<details class="{classes}"><summary>{inline(title or (kind[1] if kind else ""))}'
                               f"</summary>")
                else:
                    self.open.append("div")
                    head = f'<div class="callout-title">{inline(title)}</div>' if title else ""
                    out.append(f'<div class="{classes}">{head}')
            elif self.open:
                out.append(f"</{self.open.pop()}>")
            i += 1
        out.append(markdown2html_mistune("\n".join(chunk)))
        return "\n".join(out)


_HEADING = re.compile(r'<h([1-6]) id="[^"]*">(.*?)(<a class="anchor-link" href="#[^"]*">&#182;</a>)?</h\1>', re.S)


def pandoc_id(text: str) -> str:
    "The identifier Pandoc (and so Quarto) gives a heading: `## Lagrangians as modules` -> `lagrangians-as-modules`."
    text = re.sub(r"[^\w\s.-]", "", html.unescape(re.sub(r"<[^>]+>", "", text)).strip().lower())
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"^[^a-z\u00c0-\uffff]+", "", text)  # up to the first letter
    return text or "section"


def heading_ids(body: str, taken: set[str]) -> str:
    "Give every heading Pandoc's identifier (or its `{#id}`), unique on the page, so links written for Quarto work."
    def one(m):
        inner = m[2]
        explicit = re.search(r"\s*\{#([\w.:-]+)\}\s*$", inner)
        if explicit:
            inner, hid = inner[: explicit.start()], explicit[1]
        else:
            hid, base, k = pandoc_id(inner), pandoc_id(inner), 0
            while hid in taken:
                k += 1
                hid = f"{base}-{k}"
        taken.add(hid)
        return f'<h{m[1]} id="{hid}">{inner}<a class="anchor-link" href="#{hid}">&#182;</a></h{m[1]}>'

    return _HEADING.sub(one, body)


def inline(text: str) -> str:
    "Inline markdown (code, emphasis, math) as HTML without the enclosing paragraph."
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return re.sub(r"^<p>(.*)</p>\s*$", r"\1", markdown2html_mistune(text).strip(), flags=re.S)


# ---------------------------------------------------------------- cells to HTML
def _highlight(code: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight"))


def _text(o) -> str:
    return o if isinstance(o, str) else "".join(o)


def render_outputs(outputs: list[dict], page: Page) -> str:
    "HTML for a cell's outputs; consecutive stream outputs (stdout and stderr) share one block."
    from nbconvert.filters.ansi import ansi2html
    from nbconvert.preprocessors.coalescestreams import CR_PAT

    parts, streams, last_name = [], [], None

    def flush():
        if streams:
            text = CR_PAT.sub("", "".join(streams))
            parts.append(f'<pre class="output stream">{ansi2html(text)}</pre>')
            streams.clear()

    for o in outputs:
        kind = o.get("output_type")
        if kind == "stream":
            if streams and o.get("name") != last_name and not streams[-1].endswith("\n"):
                streams.append("\n")  # stdout after an unfinished stderr line (a progress bar) starts a new line
            streams.append(_text(o.get("text", "")))
            last_name = o.get("name")
            continue
        flush()
        if kind == "error":
            parts.append(f'<pre class="output error">{ansi2html(chr(10).join(o.get("traceback", [])))}</pre>')
            continue
        data = o.get("data", {})
        if "image/png" in data:
            parts.append(f'<img class="output" alt="figure" src="data:image/png;base64,{_text(data["image/png"]).strip()}">')
        elif "image/svg+xml" in data:
            parts.append(f'<div class="output">{_text(data["image/svg+xml"])}</div>')
        elif "text/html" in data:
            parts.append(f'<div class="output">{_text(data["text/html"])}</div>')
        elif "text/markdown" in data:
            parts.append(f'<div class="output markdown">{page.markdown(_text(data["text/markdown"]))}</div>')
        elif "text/latex" in data:
            parts.append(f'<div class="output">{_text(data["text/latex"])}</div>')
        elif "text/plain" in data:
            parts.append(f'<pre class="output">{html.escape(_text(data["text/plain"]))}</pre>')
    flush()
    return "".join(parts)


def render_cell(c, page: Page) -> str:
    if c.cell_type == "markdown":
        return page.markdown(_text(c.source))
    if c.cell_type != "code":
        return ""
    d = directives(c)
    outputs = "" if d.get("output") == "false" else render_outputs(c.get("outputs", []), page)
    if d.get("include") == "false":
        return ""
    if d.get("output") == "asis":  # a show_doc cell (nbdev's clean_show_doc)
        return f'<div class="showdoc">{outputs}</div>'
    body = strip_directives(_text(c.source))
    src = "" if d.get("echo") == "false" or not body.strip() else _highlight(body)
    if src and d.get("code-fold") in ("true", "show"):
        summary = html.escape(d.get("code-summary") or "Code")
        src = f'<details class="code-fold"{" open" if d["code-fold"] == "show" else ""}><summary>{summary}</summary>{src}</details>'
    return f'<div class="cell">{src}{outputs}</div>' if (src or outputs) else ""


# ---------------------------------------------------------------- page template
def sidebar_html(sections, current: str, titles: dict[str, str]) -> str:
    parts = []
    for title, refs in sections:
        if title:
            parts.append(f'<div class="sidebar-section">{html.escape(title)}</div>')
        for r in refs:
            cls = ' class="active"' if r == current else ""
            parts.append(f'<a{cls} href="{html_name(r)}">{inline(titles[r])}</a>')
    return "\n".join(parts)


def toc_html(body: str) -> str:
    "A table of contents of the page's second- and third-level headings."
    items = []
    for level, hid, inner in re.findall(r'<h([23]) id="([^"]+)">(.*?)</h\1>', body, re.S):
        text = re.sub(r"<a class=\"anchor-link\".*?</a>", "", inner)
        items.append(f'<a class="toc-{level}" href="#{hid}">{re.sub(r"<(?!/?code)[^>]+>", "", text)}</a>')
    return f'<nav class="toc"><div class="toc-title">On this page</div>{"".join(items)}</nav>' if items else ""




def page_html(body: str, *, title: str, desc: str, sidebar: str, prev, nxt, source: str, src_href: str) -> str:
    nav = ""
    if prev:
        nav += f'<a class="prev" href="{prev[0]}">← {inline(prev[1])}</a>'
    if nxt:
        nav += f'<a class="next" href="{nxt[0]}">{inline(nxt[1])} →</a>'
    head_title = "hamux" if title.strip().lower() == "hamux" else f"{re.sub(r'`', '', title)} – hamux"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(head_title)}</title>
<link rel="stylesheet" href="site.css">
<link rel="stylesheet" href="pagefind/pagefind-ui.css">
<script src="pagefind/pagefind-ui.js"></script>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [['$','$'], ['\\\\(','\\\\)']], processEscapes: true}},
  TeX: {{equationNumbers: {{autoNumber: "none"}}}},
  "HTML-CSS": {{availableFonts: ["STIX-Web"], preferredFont: "STIX-Web", webFont: "STIX-Web", imageFont: null}},
  MathMenu: {{showRenderer: false}}, messageStyle: "none"}});
</script>
<script src="mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"></script>
</head><body>
<nav class="sidebar"><a class="brand" href="index.html">hamux</a><div id="search"></div>{sidebar}</nav>
<main data-pagefind-body><header><h1>{inline(title)}</h1>{f'<p class="description">{inline(desc)}</p>' if desc else ''}
<p class="source-link"><a href="{src_href}" data-pagefind-ignore>View source: {html.escape(source)}</a></p></header>
{body}
<footer class="pager" data-pagefind-ignore>{nav}</footer></main>
{toc_html(body)}
<script src="site.js"></script>
</body></html>"""


def source_html(source: str, text: str, page_href: str) -> str:
    "A page showing a chapter's `.qmd` source, linked from the chapter."
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(source)} – hamux</title>
<link rel="stylesheet" href="site.css"></head><body class="source-page"><main>
<p><a href="{page_href}">← back to the page</a></p><h1><code>{html.escape(source)}</code></h1>
<pre class="qmd-source">{html.escape(text)}</pre></main></body></html>"""


# ---------------------------------------------------------------- README
def readme(nb: dict) -> str:
    "Markdown for README.md from the executed index notebook: prose, code and plain outputs (stdout, not stderr)."
    import yaml

    parts = []
    for c in nb["cells"]:
        src = _text(c["source"])
        if c["cell_type"] == "raw" and src.startswith("---"):
            fm = yaml.safe_load(src.strip().strip("-"))
            parts.append(f"# {fm.get('title', 'hamux')}\n\n> {fm.get('description', '')}".rstrip("> \n"))
        elif c["cell_type"] == "markdown":
            md = re.sub(r"^:::+.*$\n?", "", src, flags=re.M)
            parts.append(_repo_links(md).strip())
        elif c["cell_type"] == "code":
            d = directives(c)
            if {"hide", "export", "exporti", "default_exp"} & d.keys() or d.get("include") == "false":
                continue
            body = strip_directives(src)
            if body.strip() and d.get("echo") != "false":
                parts.append(f"```python\n{body}\n```")
            if d.get("output") == "false":
                continue
            outs = c.get("outputs", [])
            for o in outs:  # markdown a cell displays (a table of chapters) is part of the prose
                if "text/markdown" in o.get("data", {}):
                    parts.append(_repo_links(_text(o["data"]["text/markdown"])).strip())
            text = "".join(_text(o.get("text", "")) if o.get("output_type") == "stream" and o.get("name") != "stderr"
                           else _text(o.get("data", {}).get("text/plain", "")) for o in outs
                           if "text/markdown" not in o.get("data", {}))
            if text.strip():
                parts.append(f"```\n{text.rstrip()}\n```")
    head = "<!-- Generated from nbs/index.qmd by scripts/build_docs.py: edit that file, not this one. -->\n\n"
    return head + "\n\n".join(p for p in parts if p) + "\n"


def _repo_links(md: str) -> str:
    "Links to pages (`00_lagrangians.qmd`) pointed at their source files, for README.md."
    return re.sub(r"\]\(([\w/-]+\.qmd)\)", lambda m: f"]({_repo_path(m[1])})", md)


def _repo_path(ref: str) -> str:
    "A page's source relative to the repository root, for links in README.md."
    try:
        return str(page_source(ref).relative_to(ROOT))
    except FileNotFoundError:
        return ref


# ---------------------------------------------------------------- driver
def front_matter(nb) -> dict:
    import yaml

    for c in nb["cells"]:
        if c["cell_type"] == "raw" and _text(c["source"]).startswith("---"):
            return yaml.safe_load(_text(c["source"]).strip().strip("-")) or {}
    return {}


def build_page(ref: str, flags: set[str], execute_cells: bool, timeout: int):
    "Read and execute one page: (ref, notebook, seconds, error message or None)."
    src = page_source(ref)
    t0 = time.time()
    nb = prepare(src)
    error = None
    if execute_cells and not front_matter(nb).get("skip_exec"):
        try:
            execute(nb, src.parent, flags, timeout)
        except Exception as e:  # the other pages still build; the build fails at the end
            error = f"executing {src.relative_to(ROOT)} failed:\n{e}"
    return ref, nb, time.time() - t0, error


def quarto_build(out: Path) -> int:
    "Stage the .qmd chapters and docs_src/ into _proc/ and let Quarto render the site (untested: see the docstring)."
    proc = ROOT / "_proc"
    shutil.rmtree(proc, ignore_errors=True)
    shutil.copytree(NBS, proc, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    shutil.copytree(SRC, proc, dirs_exist_ok=True)
    return subprocess.run(["quarto", "render", str(proc), "--output-dir", str(out)]).returncode


def index_search(out: Path) -> None:
    "Build pagefind's full-text index of `out` (into `out/pagefind/`)."
    r = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(out)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"pagefind failed (is `pagefind[bin]` installed? run scripts/setup.sh):\n{r.stdout}{r.stderr}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", default=None, help="build only these sidebar entries (e.g. 01_neurons.qmd)")
    ap.add_argument("--flags", default="", help="extra cell flags to run, e.g. 'gpu'")
    ap.add_argument("--no-exec", action="store_true", help="render without executing (no outputs)")
    ap.add_argument("--quarto", action="store_true", help="render with Quarto (must be on PATH; untested here)")
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default _docs/)")
    ap.add_argument("--workers", type=int, default=2, help="notebooks executed at once")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds one cell may run")
    a = ap.parse_args(argv)
    out = a.out.resolve()
    if a.quarto:
        if not shutil.which("quarto"):
            print("`quarto` is not on PATH; run without --quarto for the offline build.", file=sys.stderr)
            return 2
        return quarto_build(out)

    sections = read_sidebar()
    refs = [r for _, rs in sections for r in rs]
    todo = a.only if a.only else refs
    unknown = [r for r in todo if r not in refs]
    if unknown:
        print(f"not in the sidebar of docs_src/_quarto.yml: {unknown}; known pages: {refs}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update(MPLBACKEND="module://matplotlib_inline.backend_inline", PYTHONHASHSEED="0")
    t0, flags = time.time(), set(a.flags.split())
    built, failed = {}, {}
    with ThreadPoolExecutor(max_workers=max(1, a.workers)) as pool:
        for ref, nb, secs, error in pool.map(lambda r: build_page(r, flags, not a.no_exec, a.timeout), todo):
            built[ref] = nb
            if error:
                failed[ref] = error
            print(f"{'FAILED' if error else 'executed' if not a.no_exec else 'read'} {ref} in {secs:.1f}s", flush=True)
    titles = {r: (front_matter(built[r] if r in built else read_qmd(page_source(r))).get("title") or r) for r in refs}
    links = {r: html_name(r) for r in refs}
    from pygments.formatters import HtmlFormatter

    shutil.copy(SRC / "site.js", out / "site.js")
    (out / "site.css").write_text((SRC / "styles.css").read_text() + HtmlFormatter(cssclass="highlight").get_style_defs(".highlight"))
    for ref, nb in built.items():
        if ref == "index.qmd" and not a.no_exec and out == OUT and ref not in failed:
            (ROOT / "README.md").write_text(readme(nb))
        finish(nb)
        page = Page(links, ref)
        for c in nb.cells:
            if c.cell_type == "markdown":
                page.number_equations(_text(c.source))
        body = heading_ids("\n".join(filter(None, (render_cell(c, page) for c in nb.cells))), set())
        fm, i = front_matter(nb), refs.index(ref)
        prev = (html_name(refs[i - 1]), titles[refs[i - 1]]) if i > 0 else None
        nxt = (html_name(refs[i + 1]), titles[refs[i + 1]]) if i + 1 < len(refs) else None
        source = str(page_source(ref).relative_to(ROOT))
        src_page = f"source/{source}.html"
        text = page_html(body, title=fm.get("title", ref), desc=fm.get("description", ""),
                         sidebar=sidebar_html(sections, ref, titles), prev=prev, nxt=nxt, source=source, src_href=src_page)
        write_page(out, html_name(ref), text)
        write_page(out, src_page, source_html(source, page_source(ref).read_text(), html_name(ref)))
    import jupyter_server_mathjax

    if not (out / "mathjax" / "MathJax.js").exists():
        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", out / "mathjax", dirs_exist_ok=True)
    index_search(out)
    (out / "build.json").write_text(json.dumps({"pages": sorted(html_name(r) for r in built),
                                                "seconds": round(time.time() - t0, 1)}, indent=1))
    print(f"built {len(built)} pages into {out} in {time.time() - t0:.0f}s")
    problems = []
    if not a.only:
        from check_links import check_site

        problems = check_site(out)
        for p in problems:
            print(p, file=sys.stderr)
        print(f"links: {len(problems)} broken local link(s)" if problems else "links: every local link resolves")
    for error in failed.values():
        print(error, file=sys.stderr)
    if failed:
        print(f"{len(failed)} page(s) failed to execute (shown up to the failing cell): {sorted(failed)}", file=sys.stderr)
    return 1 if problems or failed else 0


def write_page(out: Path, name: str, text: str) -> None:
    "Write a page at `out/name`; a page in a subfolder has its relative links moved up to the root."
    depth = len(Path(name).parts) - 1
    if depth:
        text = re.sub(r'(href|src)="(?!https?:|#|data:|/|mailto:)([^"]+)"', lambda m: f'{m[1]}="{"../" * depth}{m[2]}"', text)
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(text)


if __name__ == "__main__":
    sys.exit(main())
