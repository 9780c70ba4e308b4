"""benchmarks/anatomy.py switches parts of the life kernel off with its Ablate flags.

Each variant must run and must change what the kernel does (otherwise the part it
claims to remove is not removed), every variant differently; the model's runs use no
flag (the golden baseline holds them).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from carecomplex.processes.life import Ablate, life_families

ROOT = Path(__file__).resolve().parents[1]


def _anatomy():
    spec = importlib.util.spec_from_file_location("anatomy", ROOT / "benchmarks" / "anatomy.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["anatomy"] = mod
    spec.loader.exec_module(mod)
    return mod


anatomy = _anatomy()


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, np.ndarray]]:
    """Person, family and books arrays after one life step under each variant."""
    model = anatomy.stepped_model(3000, weeks=2)
    key, t, kp, per, fam, books, structure = anatomy.life_args(model)
    # Rates raised so that one week shows every part at work (deaths included).
    kp = kp._replace(base_mortality=0.05, shock_rate=0.5, base_rate=0.2)
    out = {}
    for name, flag in anatomy.VARIANTS.items():
        p, f, b = per.copy(), fam.copy(), books.copy()
        b.clear()
        life_families(key, t, kp, p, f, b, structure, int(flag))
        out[name] = {
            **{f"person.{k}": v for k, v in p._asdict().items()},
            **{f"family.{k}": v for k, v in f._asdict().items()},
            "events": b.events.sum(axis=0),
            "ledger": b.ledger.sum(axis=0),
        }
    return out


def test_the_variants_are_distinct_flags_and_the_whole_kernel_is_the_models() -> None:
    flags = list(anatomy.VARIANTS.values())
    assert flags[0] == Ablate.NONE, "the first variant must be the whole kernel"
    assert len(set(flags)) == len(flags), "two variants have the same flag"


@pytest.mark.parametrize("name", list(anatomy.VARIANTS)[1:])
def test_every_variant_runs_and_changes_what_the_kernel_does(results, name) -> None:
    whole, cut = results["whole kernel"], results[name]
    changed = [k for k in whole if not np.array_equal(whole[k], cut[k])]
    assert changed, f"{name!r}: the kernel did exactly what the whole kernel does"


def test_the_variants_all_differ_from_each_other(results) -> None:
    names = list(results)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            same = all(np.array_equal(results[a][k], results[b][k]) for k in results[a])
            assert not same, f"variants {a!r} and {b!r} leave identical state"


def test_rng_floor_runs() -> None:
    assert anatomy.rng_floor_ns(2000, repeats=1) > 0.0
