"""Check every local link of a built site: each `href`/`src` must name an existing file, and each `#fragment` an id in it.

    python scripts/check_links.py [_docs]   # prints each broken link; exit 1 if there is one

Links with a scheme (`https:`, `mailto:`, `data:`, `javascript:`) are not followed. The docs
build (`scripts/build_docs.py`) runs this over the whole site after building it.
"""
from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["check_site", "links_and_ids"]


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str, str]] = []  # (line, attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if v is None:
                continue
            if k in ("id", "name") and (k == "id" or tag == "a"):
                self.ids.add(v)
            elif k in ("href", "src") and not (tag == "link" and k == "href" and v.startswith("#")):
                self.links.append((self.getpos()[0], k, v))

    handle_startendtag = handle_starttag


def links_and_ids(text: str) -> tuple[list[tuple[int, str, str]], set[str]]:
    "The (line, attribute, value) of every href/src in an HTML page, and the ids it defines."
    p = _Collect()
    p.feed(text)
    return p.links, p.ids


def check_site(root: str | Path) -> list[str]:
    "One message per broken local link in the `.html` files under `root`; [] when all resolve."
    root = Path(root).resolve()
    if not root.is_dir():
        return [f"{root}: no such folder; build the site first (bash scripts/docs.sh)"]
    pages = sorted(root.rglob("*.html"))
    parsed = {p: links_and_ids(p.read_text(encoding="utf-8", errors="replace")) for p in pages}
    problems = []
    for page, (links, ids) in parsed.items():
        where = page.relative_to(root)
        for line, attr, value in links:
            url = urlsplit(value)
            if url.scheme or url.netloc or not value.strip():
                continue
            if url.path.startswith("/"):
                problems.append(f"{where}:{line}: {attr}={value!r} is absolute; the site must work from any folder")
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents and target != root:
                problems.append(f"{where}:{line}: {attr}={value!r} points outside the site")
            elif not target.exists():
                problems.append(f"{where}:{line}: {attr}={value!r}: no file {target.relative_to(root)}")
            elif url.fragment and target.suffix == ".html":
                target_ids = parsed[target][1] if target in parsed else links_and_ids(target.read_text())[1]
                # a browser matches the fragment as written, then percent-decoded (HTML's "indicated part")
                if url.fragment not in target_ids and unquote(url.fragment) not in target_ids:
                    problems.append(f"{where}:{line}: {attr}={value!r}: no id {url.fragment!r} in {target.relative_to(root)}")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "_docs"
    problems = check_site(root)
    for p in problems:
        print(p)
    n = len(list(Path(root).rglob("*.html"))) if Path(root).is_dir() else 0
    print(f"{len(problems)} broken local link(s) in {n} pages under {root}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
