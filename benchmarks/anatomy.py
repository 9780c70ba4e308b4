"""Anatomy of the life step: what each part of ``life_families`` costs, by ablation.

Run from the project root::

    uv run python benchmarks/anatomy.py [--persons 1e6] [--calls 15] [--repeats 3]
                                        [--threads 1] [--out benchmarks/results/anatomy.json]

Each *variant* is a copy of the package whose ``kernels.py`` has one part of the life
step removed (the noise draws, the coupling pull, the family pass, ...). For each
variant a fresh process builds the model, steps it 3 weeks, then times ``--calls``
calls of ``life_families`` on that state. The cost of a part is the time of the whole
kernel minus the time without it. Variants are interleaved over ``--repeats`` and the
medians reported. A removed part can change what the rest does (fewer crises, say),
so the parts need not add up to the whole; read them as sizes, not as a ledger.

It also times the **counter-RNG floor**: the 19 hash rounds of the draws every living
person needs each week in the life step (4 stream keys of 2 rounds, 11 draws of 1),
alone in a loop, on the same threads. With the streams fixed (results bit-identical),
no rewrite of the life step can cost less than that.

The variants patch the source text; if ``kernels.py`` changes so that a patch no
longer applies, this script stops and names the patch (and
``tests/test_anatomy.py`` fails first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KERNELS = Path("src/carecomplex/kernels.py")

Patch = Callable[[str], str]


class AnchorError(ValueError):
    """A patch's anchor text is not found exactly once in kernels.py."""


def _once(src: str, anchor: str) -> int:
    n = src.count(anchor)
    if n != 1:
        raise AnchorError(f"{KERNELS}: anchor {anchor[:60]!r} found {n} times, expected once")
    return src.index(anchor)


def replace(old: str, new: str) -> Patch:
    """A patch that replaces ``old`` (found exactly once) by ``new``."""

    def patch(src: str) -> str:
        _once(src, old)
        return src.replace(old, new)

    return patch


def cut(start: str, end: str) -> Patch:
    """A patch that removes the text from ``start`` up to (not including) ``end``."""

    def patch(src: str) -> str:
        a, b = _once(src, start), _once(src, end)
        if b <= a:
            raise AnchorError(f"{KERNELS}: anchor {end[:60]!r} comes before {start[:60]!r}")
        return src[:a] + src[b:]

    return patch


_DRAWS = """        ek = entity_key(sk_noise, me, t)
        u_shock = draw_at(entity_key(sk_shock, me, t), 0)
        u_crisis = draw_at(entity_key(sk_crisis, me, t), 0)
        u_death = draw_at(entity_key(sk_death, me, t), 0)"""
_NOISE = "kp.noise * (2.0 * draw_at(ek, d) - 1.0)"
_NO_NOISE = "kp.noise * (2.0 * (0.125 * d) - 1.0)"  # fixed, person-independent values

VARIANTS: dict[str, list[Patch]] = {
    "whole kernel": [],
    "without the noise draws (8 hash rounds)": [replace(_NOISE, _NO_NOISE)],
    "without any draw (19 hash rounds)": [
        replace(
            _DRAWS,
            """        ek = np.uint64(me)
        u_shock = 0.5 + 1e-9 * me
        u_crisis = 0.3 + 1e-9 * me
        u_death = 0.9 + 1e-9 * me""",
        ),
        replace(_NOISE, _NO_NOISE),
    ],
    "without the coupling pull": [
        cut(
            "        for j in range(N_DOMAINS):\n            x = np.float64(need[i, j])",
            "        pull[0], pull[1], pull[2], pull[3] = p0, p1, p2, p3",
        )
    ],
    "without the family pass": [
        replace(
            "        for f in range(flo, fhi):\n"
            "            _family(f, kp, start, size, fam_support, alive, need, connection)\n",
            "",
        )
    ],
    "without the crisis block (hazard, crisis, prison, shelter)": [
        cut(
            "        # 2. Crisis: prison and homelessness first",
            "        if alive[i] == 1:\n            u = u_death",
        )
    ],
    "without the death check and its draw": [
        replace(
            "        if alive[i] == 1:\n            u = u_death",
            "        if alive[i] == 255:\n            u = u_death",
        )
    ],
}

CHILD = """
import json, sys, time
import carecomplex, carecomplex.kernels as kn
from carecomplex.model import CareModel
from carecomplex.params import Params
assert carecomplex.__file__.startswith(sys.argv[3]), carecomplex.__file__
n, calls = int(sys.argv[1]), int(sys.argv[2])
seen = []
life = kn.life_families
def keep(*args):
    seen.append(args)
    return life(*args)
kn.life_families = keep
m = CareModel(Params().replace(population={"persons": n}, run={"years": 1, "burn_in": 0}))
if not m._tiled:
    sys.exit("families do not tile the persons: life_families is not used")
for _ in range(3):
    m.step()
args = seen[-1]
life(*args)
t0 = time.perf_counter()
for _ in range(calls):
    life(*args)
print(json.dumps((time.perf_counter() - t0) / calls / n * 1e9))
"""


def patched_source(name: str) -> str:
    """kernels.py with the variant's patches applied (raises AnchorError if stale)."""
    src = (ROOT / KERNELS).read_text()
    for patch in VARIANTS[name]:
        src = patch(src)
    return src


def _make_copy(tmp: Path, i: int, name: str) -> Path:
    pkg = tmp / f"v{i}"
    shutil.copytree(ROOT / "src", pkg / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / KERNELS).write_text(patched_source(name))
    return pkg


def _time_variant(pkg: Path, persons: int, calls: int, threads: int) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": str(pkg / "src"),
        "NUMBA_CACHE_DIR": str(pkg / "numba-cache"),
        "NUMBA_NUM_THREADS": str(threads),
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(persons), str(calls), str(pkg / "src")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"anatomy.py: variant in {pkg} failed:\n{out.stderr.strip()[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def rng_floor_ns(persons: int, threads: int, repeats: int = 5) -> float:
    """ns per person of the life step's 19 hash rounds alone (best of ``repeats``)."""
    import numba as nb
    import numpy as np

    from carecomplex.kernels import _chunk, _life_keys
    from carecomplex.rng import draw_at, entity_key
    from carecomplex.state import N_CHUNKS

    nb.set_num_threads(threads)

    @nb.njit(parallel=True)
    def draws(n, seed, t, out):
        s_noise, s_shock, _, s_crisis, s_death = _life_keys(seed)  # the kernel's streams
        for c in nb.prange(N_CHUNKS):
            lo, hi = _chunk(c, n)
            acc = 0.0
            for i in range(lo, hi):
                ek = entity_key(s_noise, i, t)
                acc += draw_at(entity_key(s_shock, i, t), 0)
                acc += draw_at(entity_key(s_crisis, i, t), 0)
                acc += draw_at(entity_key(s_death, i, t), 0)
                for d in range(8):
                    acc += draw_at(ek, d)
            out[c] = acc

    out = np.zeros(N_CHUNKS)
    seed = np.uint64(20_261_123)
    draws(1000, seed, 0, out)  # compile
    best = float("inf")
    for r in range(repeats):
        t0 = time.perf_counter()
        draws(persons, seed, r, out)
        best = min(best, time.perf_counter() - t0)
    return best / persons * 1e9


def run(args: argparse.Namespace) -> dict:
    names = list(VARIANTS)
    for name in names:  # fail before any work if a patch is stale
        patched_source(name)
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="carecomplex-anatomy-") as tmp:
        pkgs = {name: _make_copy(Path(tmp), i, name) for i, name in enumerate(names)}
        for r in range(args.repeats):
            for name in names if r % 2 == 0 else names[::-1]:
                if not args.quiet:
                    print(f"[repeat {r + 1}/{args.repeats}] {name}", file=sys.stderr, flush=True)
                times[name].append(
                    _time_variant(pkgs[name], args.persons, args.calls, args.threads)
                )
    whole = statistics.median(times["whole kernel"])
    rows = []
    for name in names:
        ns = statistics.median(times[name])
        rows.append(
            {"variant": name, "ns_per_person": ns, "all": times[name], "part_ns": whole - ns}
        )
    return {
        "persons": args.persons,
        "calls": args.calls,
        "repeats": args.repeats,
        "threads": args.threads,
        "rows": rows,
        "rng_floor_ns_per_person": rng_floor_ns(args.persons, args.threads),
        "budget_ns_per_person_step_for_30s": 30 / 520 / 1e6 * 1e9,
        "load_average": os.getloadavg(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def show(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    whole = res["rows"][0]["ns_per_person"]
    t = Table(
        title=(
            f"life_families at {res['persons']:,} persons, {res['threads']} thread(s): "
            f"median of {res['repeats']} interleaved repeats of {res['calls']} calls"
        )
    )
    for col in ("variant", "ns/person", "part costs (ns)", "share"):
        t.add_column(col, justify="left" if col == "variant" else "right")
    for r in res["rows"]:
        part = r["part_ns"]
        first = r is res["rows"][0]
        t.add_row(
            r["variant"],
            f"{r['ns_per_person']:,.1f}",
            "" if first else f"{part:,.1f}",
            "" if first else f"{part / whole:.0%}",
        )
    Console(width=120).print(t)
    floor = res["rng_floor_ns_per_person"]
    print(
        f"Counter-RNG floor: the life step's 19 hash rounds alone cost {floor:.1f} ns per "
        f"person on {res['threads']} thread(s) ({floor / whole:.0%} of the kernel). "
        f"The 30 s target allows {res['budget_ns_per_person_step_for_30s']:.1f} ns per "
        "person-step on 2 threads for the WHOLE step."
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=lambda x: int(float(x)), default=1_000_000)
    ap.add_argument("--calls", type=int, default=15, help="timed kernel calls per variant")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved repeats (median)")
    ap.add_argument("--threads", type=int, default=1, help="numba threads (1: least noise)")
    ap.add_argument("--out", default=str(HERE / "results" / "anatomy.json"), help="JSON path")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    try:
        res = run(args)
    except AnchorError as e:
        raise SystemExit(f"anatomy.py: {e}; update VARIANTS to the new kernel") from None
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(res, indent=2) + "\n")
    tmp.replace(out)
    show(res)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
