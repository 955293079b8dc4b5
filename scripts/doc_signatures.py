"""Signatures for `show_doc` as the source spells them, wrapped only between parameters.

nbdev's `show_doc` (2.3) prints a signature from the evaluated annotations, so a type
alias such as jaxtyping's `PRNGKeyArray` expands into its whole `Union[...]`, spaces
inside annotations are dropped (`'n_train n_classes'` becomes `'n_trainn_classes'`), and
the line is filled at 80 columns, which can break a name in two. `SourceRenderer`
keeps everything else of nbdev's markdown renderer and replaces the signature with the
annotations and defaults as written in the source (read with `ast`), one parameter per
line when the signature does not fit on one. The parameter table's types get the same
text. The docs build installs it in the kernel with `use()`.
"""
from __future__ import annotations

import ast
import inspect
import re
import textwrap

from nbdev import showdoc

__all__ = ["SourceRenderer", "source_params", "format_signature", "use"]

WIDTH = 88
_FIELD_CALLS = ("field", "eqx.field", "dataclasses.field", "equinox.field")


def _def_node(obj) -> ast.AST | None:
    "The `def`/`class` node of `obj` in its own source, or None where there is no source."
    try:
        src = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        return _class_in_cells(obj) if inspect.isclass(obj) else None
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return None
    return tree.body[0] if tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                      ast.ClassDef)) else None


def _class_in_cells(cls) -> ast.ClassDef | None:
    "A class defined in a notebook cell: `inspect` cannot find its source, but IPython keeps every cell in linecache."
    import linecache

    pattern = re.compile(rf"^class {re.escape(cls.__name__)}\b", re.M)
    for name in reversed(list(linecache.cache)):  # the latest definition wins, as in the kernel
        lines = linecache.cache[name][2] if len(linecache.cache[name]) > 2 else []
        text = "".join(lines)
        if not pattern.search(text):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        found = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
        if found:
            return found[-1]
    return None


def _anno(node: ast.expr | None) -> str | None:
    "An annotation as written; a string annotation (`x: \"Array\"`) without its quotes."
    if node is None:
        return None
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ast.unparse(node)


def _args_of(fn: ast.FunctionDef) -> dict[str, tuple[str | None, str | None]]:
    a = fn.args
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    out = {p.arg: (_anno(p.annotation), ast.unparse(d) if d is not None else None) for p, d in zip(pos, defaults)}
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        out[p.arg] = (_anno(p.annotation), ast.unparse(d) if d is not None else None)
    for p in (a.vararg, a.kwarg):
        if p is not None:
            out[p.arg] = (_anno(p.annotation), None)
    return out


def _field_default(value: ast.expr) -> str | None:
    "The default of a dataclass field as written: `x: int = 3` or `x: int = eqx.field(default=3)`."
    if isinstance(value, ast.Call) and ast.unparse(value.func) in _FIELD_CALLS:
        for kw in value.keywords:
            if kw.arg == "default":
                return ast.unparse(kw.value)
        return None
    return ast.unparse(value)


def source_params(obj) -> dict[str, tuple[str | None, str | None]]:
    "Each parameter's (annotation, default) as the source writes them; {} where the source cannot be read."
    if inspect.isclass(obj):
        out: dict[str, tuple[str | None, str | None]] = {}
        for klass in reversed(obj.__mro__[:-1]):  # base classes first, so subclasses override
            node = _def_node(klass)
            if not isinstance(node, ast.ClassDef):
                continue
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    out[item.target.id] = (_anno(item.annotation),
                                           _field_default(item.value) if item.value is not None else None)
                elif isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    out.update(_args_of(item))
        return out
    node = _def_node(obj)
    return _args_of(node) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else {}


def _param_text(p: inspect.Parameter, src: dict) -> str:
    anno, default = src.get(p.name, (None, None))
    if anno is None and p.annotation is not inspect.Parameter.empty:
        anno = inspect.formatannotation(p.annotation)
    if default is None and p.default is not inspect.Parameter.empty:
        default = repr(p.default)
    star = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
    text = star + p.name + (f": {anno}" if anno else "")
    return text + ((f" = {default}" if anno else f"={default}") if default is not None else "")


def format_signature(name: str, sig: inspect.Signature, src: dict, *, returns: bool = True) -> str:
    "`name(a: int, *, b: str = 'x')`, or one parameter per line when that is wider than WIDTH."
    parts, seen_kwonly = [], False
    params = [p for p in sig.parameters.values() if p.name != "self"]
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not seen_kwonly:
            parts.append("*")
        seen_kwonly |= p.kind in (p.KEYWORD_ONLY, p.VAR_POSITIONAL)
        parts.append(_param_text(p, src))
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params) or params[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    ret = ""
    if returns and sig.return_annotation is not inspect.Signature.empty:
        ret = f" -> {src.get('return', (None,))[0] or inspect.formatannotation(sig.return_annotation)}"
    one = f"{name}({', '.join(parts)}){ret}"
    if len(one) <= WIDTH or not parts:
        return one
    return f"{name}(\n" + "".join(f"    {p},\n" for p in parts) + f"){ret}"


class SourceRenderer(showdoc.BasicMarkdownRenderer):
    "nbdev's markdown renderer with the signature and parameter types as the source writes them."

    def __init__(self, sym, name: str | None = None, title_level: int = 3):
        super().__init__(sym, name=name, title_level=title_level)
        target = getattr(self.sym, "__wrapped__", self.sym)
        self.src = source_params(target)
        ret = _def_node(target)
        if isinstance(ret, (ast.FunctionDef, ast.AsyncFunctionDef)) and ret.returns is not None:
            self.src["return"] = (_anno(ret.returns), None)
        for k, row in getattr(self.dm, "dm", {}).items():  # the table's Type column
            anno = self.src.get(k, (None,))[0]
            if anno and isinstance(row, dict) and row.get("anno", inspect.Parameter.empty) is not inspect.Parameter.empty:
                row["anno"] = anno

    def _repr_markdown_(self):
        doc = f"---\n\n{'#' * self.title_level} {self.nm}\n\n"
        if self.sig is not None:
            doc += f"```python\n{format_signature(self.nm, self.sig, self.src, returns=not inspect.isclass(self.sym))}\n```"
        if self.docs:
            doc += f"\n\n*{self.docs}*"
        if self.dm.has_docment:
            doc += f"\n\n{self.dm}"
        return doc

    __repr__ = __str__ = _repr_markdown_


def use():
    "Make nbdev's `show_doc` render with `SourceRenderer` (also where a chapter imports `show_doc` itself)."
    showdoc.BasicMarkdownRenderer = SourceRenderer
