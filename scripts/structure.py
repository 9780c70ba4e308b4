"""Structure figures of the source tree: module sizes, function sizes, parameters, cycles.

    uv run python scripts/structure.py

Prints lines per module (max, median), the largest functions, the most parameters of a
function, import cycles between the package's modules (the import graph of
``tests/test_architecture.py``: any run-time import, top-level or inside a function),
and the lines that are nothing but a name and a comma (argument lists written out one
name a line). Used for the engine redesign's before/after figures.
"""

from __future__ import annotations

import ast
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_architecture import cycles, graph, modules  # the import graph the tests hold

BARE = re.compile(r"^\s*[A-Za-z_][\w.]*,\s*$")


def main() -> int:
    """Print the structure figures of ``src/carecomplex``."""
    lines: dict[str, int] = {}
    funcs: list[tuple[int, int, str]] = []
    bare = 0
    for name, f in modules().items():
        text = f.read_text()
        lines[name] = len(text.splitlines())
        bare += sum(1 for line in text.splitlines() if BARE.match(line))
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                n = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
                n += bool(a.vararg) + bool(a.kwarg)
                if a.args and a.args[0].arg in ("self", "cls"):
                    n -= 1
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                funcs.append((size, n, f"{name}.{node.name}"))
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
    found = cycles(graph())
    print(f"import cycles: {len(found)}" + "".join(f"\n  {' <-> '.join(c)}" for c in found))
    print(f"bare-name lines (a name and a comma): {bare} of {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
