"""benchmarks/anatomy.py patches kernels.py by text: its patches must still apply.

A change to the life kernel that moves an anchor fails here, in the fast suite, rather
than in a 15-minute benchmark run. Each variant must parse, differ from the kernel and
from every other variant; a stale anchor must raise, not pass silently.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _anatomy():
    spec = importlib.util.spec_from_file_location("anatomy", ROOT / "benchmarks" / "anatomy.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["anatomy"] = mod
    spec.loader.exec_module(mod)
    return mod


anatomy = _anatomy()


@pytest.mark.parametrize("name", list(anatomy.VARIANTS))
def test_every_variant_applies_to_the_current_kernel_and_parses(name):
    original = (ROOT / anatomy.KERNELS).read_text()
    src = anatomy.patched_source(name)
    ast.parse(src)
    assert (src == original) == (not anatomy.VARIANTS[name])


def test_the_variants_are_all_different():
    sources = [anatomy.patched_source(name) for name in anatomy.VARIANTS]
    assert len(set(sources)) == len(sources)


def test_a_stale_anchor_is_named_not_skipped():
    with pytest.raises(anatomy.AnchorError, match="no such line"):
        anatomy.replace("no such line in the kernel", "")("def f():\n    pass\n")
    with pytest.raises(anatomy.AnchorError, match="comes before"):
        anatomy.cut("b", "a")("a\nb\n")
