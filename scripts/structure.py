"""Structure figures of the source tree: module sizes, function sizes, parameters, cycles.

    uv run python scripts/structure.py [SRC]      # default src/carecomplex

Prints lines per module (max, median), the largest functions, the most parameters of a
function, import cycles between the package's modules (any import, top-level or inside
a function), and the lines that are nothing but a name and a comma (argument lists
written out one name a line). Used for the engine redesign's before/after figures.
"""

from __future__ import annotations

import ast
import re
import statistics
import sys
from pathlib import Path

BARE = re.compile(r"^\s*[A-Za-z_][\w.]*,\s*$")


def module_name(path: Path, root: Path) -> str:
    """Dotted module name of ``path`` under the package folder ``root``."""
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_only(tree: ast.AST) -> set[int]:
    """Node ids of imports under ``if TYPE_CHECKING:`` (not imported at run time)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def imports(tree: ast.AST, name: str, is_pkg: bool) -> set[str]:
    """Modules of the package that a module imports at run time (absolute or relative).

    Top-level and deferred (inside a function) imports count; imports only for type
    checkers do not.
    """
    out: set[str] = set()
    base = name.split(".")
    skip = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base if is_pkg else base[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                mod = ".".join(anchor + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    """Print the structure figures of the tree given (default ``src/carecomplex``)."""
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "src/carecomplex").resolve()
    files = sorted(root.rglob("*.py"))
    lines: dict[str, int] = {}
    funcs: list[tuple[int, int, str]] = []
    graph: dict[str, set[str]] = {}
    bare = 0
    for f in files:
        text = f.read_text()
        name = module_name(f, root)
        lines[name] = len(text.splitlines())
        bare += sum(1 for line in text.splitlines() if BARE.match(line))
        tree = ast.parse(text)
        graph[name] = imports(tree, name, f.name == "__init__.py")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                n = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
                n += bool(a.vararg) + bool(a.kwarg)
                if a.args and a.args[0].arg in ("self", "cls"):
                    n -= 1
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                funcs.append((size, n, f"{name}.{node.name}"))
    mods = set(graph)
    graph = {m: {d for d in deps if d in mods and d != m} for m, deps in graph.items()}
    total = sum(lines.values())
    print(f"modules: {len(lines)}, lines: {total}")
    print(
        f"lines per module: max {max(lines.values())} ({max(lines, key=lines.get)}), "
        f"median {statistics.median(lines.values()):.0f}"
    )
    big = sorted(lines.items(), key=lambda kv: -kv[1])[:5]
    print("largest modules: " + ", ".join(f"{m} {n}" for m, n in big))
    funcs.sort(reverse=True)
    print("largest functions: " + ", ".join(f"{q} {s}" for s, _, q in funcs[:5]))
    most = sorted(funcs, key=lambda t: -t[1])[:5]
    print("most parameters: " + ", ".join(f"{q} {n}" for _, n, q in most))
    print(f"functions over 12 parameters: {sum(1 for _, n, _ in funcs if n > 12)}")
    found = cycles(graph)
    print(f"import cycles: {len(found)}" + "".join(f"\n  {' <-> '.join(c)}" for c in found))
    print(f"bare-name lines (a name and a comma): {bare} of {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
