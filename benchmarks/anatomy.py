"""Anatomy of the life step: what each part of ``life_families`` costs, by ablation.

Run from the project root::

    uv run python benchmarks/anatomy.py [--persons 1e6] [--calls 15] [--repeats 3]
                                        [--threads 1] [--out benchmarks/results/anatomy.json]

Each *variant* switches one part of the life step off with the kernel's own
:class:`~carecomplex.processes.life.Ablate` flag (the noise draws, the coupling pull,
the family pass, ...); the model always passes 0. The script builds one model, steps it
3 weeks, then times ``--calls`` calls of ``life_families`` on that state for each
variant. The cost of a part is the time of the whole kernel minus the time without it.
Variants are interleaved over ``--repeats`` and the medians reported. A removed part can
change what the rest does (fewer crises, say), so the parts need not add up to the
whole; read them as sizes, not as a ledger. The flags are tested at run time in the
person loop (a well-predicted branch), so the whole kernel timed here is the model's.

It also times the **counter-RNG floor**: the 7 hash rounds of the draws every living
person needs each week in the life step (one entity key, 6 hashes giving 11 uniforms;
model 1: 19 rounds, 4 stream keys of 2 rounds and 11 draws of 1),
alone in a loop, on the same threads. With the streams fixed (results bit-identical),
no rewrite of the life step can cost less than that.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from carecomplex.processes.life import Ablate

HERE = Path(__file__).resolve().parent

VARIANTS: dict[str, Ablate] = {
    "whole kernel": Ablate.NONE,
    "without the noise draws (4 hash rounds)": Ablate.NOISE_DRAWS,
    "without any draw (7 hash rounds)": Ablate.ALL_DRAWS,
    "without the coupling pull": Ablate.COUPLING,
    "without the family pass": Ablate.FAMILIES,
    "without the crisis block (hazard, crisis, prison, shelter)": Ablate.CRISIS,
    "without the death check and its draw": Ablate.DEATH,
}


def life_args(model) -> tuple:
    """The arguments of ``life_families`` for ``model``'s next week (ablate not included)."""
    from carecomplex.regimes import kernel_params
    from carecomplex.state import STRUCTURE

    s = model.state
    kp = kernel_params(model.params, model.levers)
    return model.key, model.t, kp, s.person, s.family, model._books, STRUCTURE


def stepped_model(persons: int, weeks: int = 3):
    """A default model of ``persons`` persons, stepped ``weeks`` weeks (no burn-in)."""
    from carecomplex.model import CareModel
    from carecomplex.params import Params

    m = CareModel(Params().replace(population={"persons": persons}, run={"years": 1, "burn_in": 0}))
    if not m._tiled:
        raise SystemExit("families do not tile the persons: life_families is not used")
    for _ in range(weeks):
        m.step()
    return m


def time_variant(args: tuple, ablate: Ablate, calls: int) -> float:
    """ns per person of one ``life_families`` call with ``ablate`` (mean of ``calls``)."""
    from carecomplex.processes.life import life_families

    flag = int(ablate)
    life_families(*args, flag)  # warm: compiled, and the state in cache as in the loop
    t0 = time.perf_counter()
    for _ in range(calls):
        life_families(*args, flag)
    return (time.perf_counter() - t0) / calls / len(args[3].pid) * 1e9


def rng_floor_ns(persons: int, repeats: int = 5) -> float:
    """ns per person of the life step's 7 hash rounds alone (best of ``repeats``).

    One entity key (1 round), four hashes of two 32-bit noise uniforms, one of the shock
    and crisis pair, one 53-bit death draw (``rng.LifeDraw``); model 1 used 19 rounds.
    """
    import numba as nb
    import numpy as np

    from carecomplex.processes.common import chunk_bounds
    from carecomplex.processes.life import life_keys
    from carecomplex.rng import LifeDraw, draw_at, draw_pair, entity_key
    from carecomplex.state import N_CHUNKS

    k_sc, k_death = int(LifeDraw.SHOCK_CRISIS), int(LifeDraw.DEATH)

    @nb.njit(parallel=True)
    def draws(n, seed, t, out):
        s_life = life_keys(seed)  # the kernel's stream
        for c in nb.prange(N_CHUNKS):
            lo, hi = chunk_bounds(c, n)
            acc = 0.0
            for i in range(lo, hi):
                ek = entity_key(s_life, i, t)
                a, b = draw_pair(ek, k_sc)
                acc += a + b + draw_at(ek, k_death)
                for j in range(4):
                    a, b = draw_pair(ek, j)
                    acc += a + b
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
    import numba as nb

    nb.set_num_threads(args.threads)
    names = list(VARIANTS)
    kernel_args = life_args(stepped_model(args.persons))
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(args.repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            if not args.quiet:
                print(f"[repeat {r + 1}/{args.repeats}] {name}", file=sys.stderr, flush=True)
            times[name].append(time_variant(kernel_args, VARIANTS[name], args.calls))
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
        "rng_floor_ns_per_person": rng_floor_ns(args.persons),
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
        f"Counter-RNG floor: the life step's 7 hash rounds alone cost {floor:.1f} ns per "
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
    res = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(res, indent=2) + "\n")
    tmp.replace(out)
    show(res)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
