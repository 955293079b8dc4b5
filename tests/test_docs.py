"""The docs builder (scripts/build_docs.py), its signatures, the link checker and the search index."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import build_docs
import check_links
import doc_signatures

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- markdown: callouts and equations
def test_callouts_and_equations_render():
    page = build_docs.Page({})
    md = "$$E = x$$ {#eq-e}\n\nSee @eq-e.\n\n::: {.callout-note collapse=\"true\"}\n## Tests\nbody\n:::\n"
    page.number_equations(md)
    out = page.markdown(md)
    assert "\\tag{1}" in out and 'href="#eq-e"' in out
    assert '<details class="callout-note"><summary>Tests</summary>' in out and out.count("</details>") == 1


def test_callout_inside_a_code_fence_stays_code():
    md = "Before.\n\n```markdown\n::: {.callout-note}\n## Shown\ntext\n:::\n```\n\nAfter.\n"
    out = build_docs.Page({}).markdown(md)
    assert '<div class="callout-note"' not in out and "<details" not in out
    assert "callout-note" in out  # shown as code
    assert "After." in out and out.index("Before.") < out.index("callout-note") < out.index("After.")


def test_a_real_callout_after_a_fenced_one():
    md = "```\n:::\n```\n\n::: {.callout-tip}\nreal\n:::\n"
    out = build_docs.Page({}).markdown(md)
    assert out.count('<div class="callout-tip">') == 1 and out.count("</div>") >= 1


def test_labelled_equation_does_not_swallow_an_earlier_unlabelled_one():
    md = "$$a = 1$$\n\nprose between\n\n$$b = 2$$ {#eq-b}\n\nSee @eq-b.\n"
    page = build_docs.Page({})
    page.number_equations(md)
    out = page.markdown(md)
    assert page.eqs == {"eq-b": 1}
    assert "$$a = 1$$" in out and "$$b = 2 \\tag{1}$$" in out
    assert "prose between" in out and "$$a = 1$$\n\nprose between\n\n<a id=\"eq-b\">" not in out.replace("<p>", "")
    assert re.search(r"<p>prose between</p>", out)


def test_equation_label_inside_code_is_not_numbered():
    md = "```\n$$x$$ {#eq-code}\n```\n\n$$y$$ {#eq-y}\n"
    page = build_docs.Page({})
    page.number_equations(md)
    assert page.eqs == {"eq-y": 1}


def test_links_between_pages_resolve_from_the_page_folder():
    links = {"03_ham.qmd": "ham.html", "examples/dam.qmd": "examples/dam.html"}
    out = build_docs.Page(links, "examples/x.qmd").markdown("[HAM](../03_ham.qmd), [DAM](dam.qmd#top)")
    assert 'href="ham.html"' in out and 'href="examples/dam.html#top"' in out  # root-relative, moved up on write


def test_inline_markdown_in_titles():
    assert build_docs.inline("Everything `import hamux` gives") == "Everything <code>import hamux</code> gives"
    html = build_docs.page_html("", title="hamux", desc="A `code` word", sidebar="", prev=None, nxt=None,
                                source="nbs/index.qmd", src_href="source/nbs/index.qmd.html")
    assert "<title>hamux</title>" in html and "<code>code</code>" in html
    html = build_docs.page_html("", title="Neurons", desc="", sidebar="", prev=None, nxt=None,
                                source="nbs/01_neurons.qmd", src_href="x.html")
    assert "<title>Neurons – hamux</title>" in html


def test_table_of_contents_lists_headings():
    toc = build_docs.toc_html('<h2 id="a">A<a class="anchor-link" href="#a">¶</a></h2><h3 id="b">B <code>x</code></h3>')
    assert 'href="#a">A</a>' in toc and 'class="toc-3" href="#b">B <code>x</code></a>' in toc
    assert build_docs.toc_html("<p>none</p>") == ""


# ---------------------------------------------------------------- outputs
def test_streams_merge_and_carriage_returns_keep_the_last_state():
    outs = [{"output_type": "stream", "name": "stderr", "text": "\r  0%|          | 0/3"},
            {"output_type": "stream", "name": "stderr", "text": "\r 67%|######    | 2/3"},
            {"output_type": "stream", "name": "stderr", "text": "\r100%|##########| 3/3\n"},
            {"output_type": "stream", "name": "stdout", "text": "done\n"}]
    html = build_docs.render_outputs(outs, build_docs.Page({}))
    assert html.count("<pre") == 1 and "100%" in html and "67%" not in html and "done" in html


def test_a_progress_bar_executes_to_one_block(tmp_path):
    from execnb.nbio import dict2nb

    nb = dict2nb({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                             "source": "from tqdm import tqdm\nimport sys\nfor i in tqdm(range(200), mininterval=0, "
                                       "file=sys.stderr):\n    pass\nprint('after')"}],
                  "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                  "nbformat": 4, "nbformat_minor": 5})
    build_docs.execute(nb, tmp_path, set(), 120)
    html = build_docs.render_outputs(nb.cells[0]["outputs"], build_docs.Page({}))
    assert html.count("<pre") == 1, html[:500]
    assert "200/200" in html and "199/200" not in html and "after" in html


# ---------------------------------------------------------------- signatures
def _demo(x: "Float[Array, 'n_train n_classes']", *, key: "PRNGKeyArray | None" = None,  # noqa: F821
          a_long_parameter_name: int = 1, another_long_parameter_name: str = "x", third: float = 2.0):
    "A demo."


def test_signature_keeps_source_spelling_and_wraps_between_parameters():
    sig = doc_signatures.format_signature("_demo", __import__("inspect").signature(_demo),
                                          doc_signatures.source_params(_demo))
    assert "key: PRNGKeyArray | None = None" in sig and "'n_train n_classes'" in sig
    lines = sig.split("\n")
    assert len(lines) > 2 and lines[0] == "_demo(" and lines[-1] == ")"
    for line in lines[1:-1]:  # one whole parameter per line
        assert line.startswith("    ") and line.endswith(","), line
    compile("def _demo(" + "".join(lines[1:-1]) + "): pass", "<sig>", "exec")  # names never split


def test_short_signature_stays_on_one_line():
    def f(a: int, b: int = 2) -> int:
        return a + b

    assert doc_signatures.format_signature("f", __import__("inspect").signature(f),
                                           doc_signatures.source_params(f)) == "f(a: int, b: int = 2) -> int"


def test_show_doc_of_a_library_class_names_aliases():
    from nbdev.showdoc import show_doc

    import hamux

    doc_signatures.use()
    md = show_doc(hamux.NeuronLayer.init)._repr_markdown_()
    assert "PRNGKeyArray" in md and "Union[" not in md and "UInt32" not in md


# ---------------------------------------------------------------- link checker
def _site(tmp_path, pages: dict[str, str]) -> Path:
    for name, body in pages.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    return tmp_path


def test_link_checker_finds_missing_files_and_fragments(tmp_path):
    site = _site(tmp_path, {
        "index.html": '<a href="a.html">a</a><a href="a.html#sec">s</a><a href="a.html#nope">n</a>'
                      '<a href="gone.html">g</a><img src="img/x.png"><a href="https://example.org/x">ext</a>',
        "a.html": '<h2 id="sec">S</h2><a href="../outside.html">o</a><a href="#sec">self</a>',
        "sub/b.html": '<a href="../index.html">up</a><a href="../../index.html">too high</a>',
    })
    problems = check_links.check_site(site)
    text = "\n".join(problems)
    assert len(problems) == 5, text
    for needle in ("gone.html", "img/x.png", "'nope'", "../outside.html", "../../index.html"):
        assert needle in text, needle


def test_link_checker_passes_a_clean_site(tmp_path):
    site = _site(tmp_path, {"index.html": '<a href="a.html#x">a</a>', "a.html": '<p id="x">x</p><a href="index.html">b</a>'})
    assert check_links.check_site(site) == []


# ---------------------------------------------------------------- the whole site, unexecuted: links and search
@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "scripts/build_docs.py", "--no-exec", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True)
    assert (out / "build.json").exists(), r.stdout[-3000:] + r.stderr[-3000:]  # built; links are checked below
    out.joinpath("_build.log").write_text(f"rc={r.returncode}\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
    return out


def test_sample_site_has_no_broken_link(sample_site):
    problems = check_links.check_site(sample_site)
    assert problems == [], "\n".join(problems)
    assert (sample_site / "_build.log").read_text().startswith("rc=0"), (sample_site / "_build.log").read_text()


def test_sample_site_has_every_page(sample_site):
    built = json.loads((sample_site / "build.json").read_text())["pages"]
    refs = [r for _, rs in build_docs.read_sidebar() for r in rs]
    assert sorted(built) == sorted(build_docs.html_name(r) for r in refs)
    for r in refs:  # a "view source" page for every page, holding its .qmd
        src = build_docs.page_source(r)
        page = (sample_site / "source" / f"{src.relative_to(ROOT)}.html").read_text()
        assert src.read_text().splitlines()[1].replace('"', "&quot;") in page


def test_sample_site_pages_have_toc_search_and_copy(sample_site):
    page = (sample_site / "lagrangians.html").read_text()
    assert '<nav class="toc">' in page and 'id="search"' in page and "button.copy" not in page
    assert 'src="site.js"' in page and "data-pagefind-body" in page
    assert "className = 'copy'" in (sample_site / "site.js").read_text()
    assert "View source: nbs/00_lagrangians.qmd" in page


def test_search_index_finds_legendre_on_the_lagrangians_page(sample_site):
    fragments = list((sample_site / "pagefind" / "fragment").glob("*.pf_fragment"))
    assert fragments, "pagefind wrote no index"
    if shutil.which("node") is None:
        pytest.skip("node is not installed: pagefind's own search (JavaScript) cannot be run here")
    r = subprocess.run(["node", str(ROOT / "tests" / "pagefind_query.mjs"), str(sample_site), "Legendre"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    urls = [hit["url"] for hit in json.loads(r.stdout)]
    assert any(u.endswith("/lagrangians.html") for u in urls), urls
    pages = json.loads((sample_site / "build.json").read_text())["pages"]
    assert len(urls) < len(pages), "the query should pick out the pages that use the word, not all of them"


def test_docs_build_runs_the_link_checker_and_search():
    src = (ROOT / "scripts" / "build_docs.py").read_text()
    assert "check_site(out)" in src and "index_search(out)" in src


def test_show_doc_of_a_class_defined_in_a_cell_keeps_its_source_spelling(tmp_path):
    from execnb.nbio import dict2nb

    src = (f"import sys\nsys.path.insert(0, {str(ROOT / 'scripts')!r})\nimport doc_signatures\ndoc_signatures.use()\n"
           "from nbdev.showdoc import show_doc\nfrom jaxtyping import Array, Float, PRNGKeyArray\nimport equinox as eqx\n"
           "class Demo(eqx.Module):\n    'A demo.'\n    x: Float[Array, 'n_train n_classes']\n"
           "    key: PRNGKeyArray | None = None\nshow_doc(Demo)")
    nb = dict2nb({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": src}],
                  "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                  "nbformat": 4, "nbformat_minor": 5})
    build_docs.execute(nb, tmp_path, set(), 120)
    md = "".join(nb.cells[0]["outputs"][-1]["data"]["text/markdown"])
    assert "Demo(x: Float[Array, 'n_train n_classes'], key: PRNGKeyArray | None = None)" in md, md


def test_headings_get_pandoc_identifiers_as_quarto_gives_them():
    body = ('<h2 id="Lagrangians-as-modules">Lagrangians as <code>modules</code>'
            '<a class="anchor-link" href="#Lagrangians-as-modules">&#182;</a></h2>'
            '<h2 id="x">Lagrangians as modules</h2><h3 id="y">1. Why? {#why-id}</h3><h3 id="z">β, again</h3>')
    out = build_docs.heading_ids(body, set())
    assert re.findall(r'<h\d id="([^"]+)"', out) == ["lagrangians-as-modules", "lagrangians-as-modules-1", "why-id",
                                                     "β-again"]
    assert 'href="#lagrangians-as-modules"' in out and "{#why-id}" not in out
