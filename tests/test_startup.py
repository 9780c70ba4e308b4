"""Start-up: the model and the command-line parser import only what they need (issue 19).

Heavy libraries (pandas about 0.6 s, scipy.stats about 1 s, matplotlib, rich, pyarrow)
are imported inside the functions that use them, so ``import carecomplex.model`` and
``carecomplex --help`` do not pay for them. Each check runs a fresh interpreter, since
the test process itself has long imported everything.

Mesa itself imports pandas, scipy.spatial and networkx when ``mesa`` is imported (mesa
3.5), so the model path is also checked at the source: no module the model imports
imports a heavy library at its top level; when mesa defers its own imports, the model
path is free of them with no change here.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

HEAVY = ("pandas", "scipy", "matplotlib", "pyarrow", "rich", "pyabc", "jinja2", "solara")
"""Libraries the model and the parser must not import at a module's top level."""


def imported_after(code: str) -> set[str]:
    """Names in ``sys.modules`` of a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def top_level_imports(path: Path) -> set[str]:
    """Top-level packages a module imports when it is imported (not in functions)."""
    out: set[str] = set()
    todo = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            out |= {a.name.partition(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.partition(".")[0])
        elif isinstance(node, ast.If) and not ast.unparse(node.test).endswith("TYPE_CHECKING"):
            todo += node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody
        elif isinstance(node, ast.ClassDef):
            todo += node.body
    return out


def source(module: str) -> Path:
    path = SRC.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def test_top_level_imports_reads_only_what_runs_at_import() -> None:
    path = Path(__file__)
    found = top_level_imports(path)
    assert {"ast", "json", "subprocess", "sys", "pathlib"} <= found
    assert "carecomplex" not in found


def test_parser_imports_no_heavy_library() -> None:
    # Building the parser imports every command module (each adds its subcommands).
    mods = imported_after("from carecomplex.cli import build_parser; build_parser()")
    assert "carecomplex.experiments.commands" in mods  # the probe did build the parser
    heavy = {m.partition(".")[0] for m in mods} & set(HEAVY)
    assert not heavy, f"building the parser imports {sorted(heavy)}"
    assert "numba" not in mods and "carecomplex.model" not in mods


def test_model_path_imports_no_heavy_library_of_its_own() -> None:
    mods = imported_after("import carecomplex.model, carecomplex.params")
    ours = sorted(m for m in mods if m.startswith("carecomplex"))
    assert "carecomplex.metrics" in ours  # the DataCollector's module
    for m in ours:
        heavy = top_level_imports(source(m)) & set(HEAVY)
        assert not heavy, f"{m} imports {sorted(heavy)} at import time"
    # What mesa does not import either is not imported at all.
    heavy = {"matplotlib", "rich", "scipy.stats", "pyabc", "jinja2"} & mods
    assert not heavy, f"importing the model imports {sorted(heavy)}"
