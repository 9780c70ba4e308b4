"""Benchmark harness for carecomplex: step speed, memory, start-up and a bandwidth floor.

Run from the project root::

    uv run python benchmarks/run.py [--sizes 1e3,1e4,1e5] [--weeks 52] [--repeats 3]
                                    [--out benchmarks/results/latest.json]

See ``benchmarks/README.md`` for what each figure means and its caveats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STARTUP_N = 10_000
STARTUP_CODE = (
    "from carecomplex.model import CareModel; from carecomplex.params import Params; "
    f"m = CareModel(Params().replace(population={{'persons': {STARTUP_N}}})); m.step()"
)


def _maxrss_bytes() -> int:
    """Peak resident set size of this process so far.

    Linux's ``VmHWM`` (of this address space) where available: ``ru_maxrss`` of a child
    started by ``subprocess`` inherits the parent's peak across fork + exec, so it would
    report the harness's own peak rather than the child's.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _current_rss_bytes() -> int:
    """Current resident set size (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _params(n: int, weeks: int):
    from carecomplex.params import Params

    # No burn-in, so every timed step is a measured (recorded) week; the run is long
    # enough that the warm-up step plus the timed steps all fall inside it.
    years = min(100.0, (weeks + 2) / 52)
    return Params().replace(population={"persons": n}, run={"years": years, "burn_in": 0})


def time_care(n: int, weeks: int) -> dict:
    """Build a CareModel of ``n`` persons, step once (warm-up), time ``weeks`` steps."""
    from carecomplex.model import CareModel

    t0 = time.perf_counter()
    model = CareModel(_params(n, weeks))
    build = time.perf_counter() - t0
    model.step()
    t0 = time.perf_counter()
    for _ in range(weeks):
        model.step()
    dt = time.perf_counter() - t0
    out = {
        "ns_per_person_step": dt / (n * weeks) * 1e9,
        "ms_per_step": dt / weeks * 1e3,
        "build_s": build,
        "bytes_per_person": model.state.bytes_per_person(),
    }
    del model
    return out


PHASES = {  # kernel -> its process module (carecomplex.processes.<module>)
    "life_families": "life",  # families + life_crisis fused (used when families tile)
    "families": "life",
    "life_crisis": "life",
    "access": "access",  # with scratch kept by the model
    "support": "support",  # support + the weekly wellbeing sums in one parallel region
    "workforce": "workforce",
}
LIFE = ("life_families", "families", "life_crisis")  # the part plain Mesa also does


def time_phases(n: int, weeks: int) -> dict:
    """Seconds per step spent in each numba kernel and in the rest of ``CareModel.step``.

    The kernels are wrapped by perf_counter accumulators (a few microseconds of overhead
    per call); "python" is everything else in the step (levers, learning, recording,
    the DataCollector).
    """
    import importlib

    from carecomplex.model import CareModel

    modules = {
        name: importlib.import_module(f"carecomplex.processes.{mod}")
        for name, mod in PHASES.items()
    }
    acc = dict.fromkeys(PHASES, 0.0)
    originals = {name: getattr(modules[name], name) for name in PHASES}

    def timed(name, f):
        def g(*args):
            t0 = time.perf_counter()
            out = f(*args)
            acc[name] += time.perf_counter() - t0
            return out

        return g

    try:
        for name, f in originals.items():
            setattr(modules[name], name, timed(name, f))
        model = CareModel(_params(n, weeks))
        model.step()
        for name in acc:
            acc[name] = 0.0
        t0 = time.perf_counter()
        for _ in range(weeks):
            model.step()
        total = time.perf_counter() - t0
    finally:
        for name, f in originals.items():
            setattr(modules[name], name, f)
    out = {name: v / weeks for name, v in acc.items()}
    out["python"] = total / weeks - sum(out.values())
    out["total"] = total / weeks
    return out


def time_full_run(n: int, weeks: int) -> dict:
    """One run of ``weeks`` measured weeks (no burn-in) at ``n`` persons, timed whole."""
    from carecomplex.model import CareModel
    from carecomplex.params import Params

    t0 = time.perf_counter()
    model = CareModel(
        Params().replace(population={"persons": n}, run={"years": weeks / 52, "burn_in": 0})
    )
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.run()
    return {
        "persons": n,
        "weeks": model.n_weeks,
        "build_s": build,
        "run_s": time.perf_counter() - t0,
    }


def time_mesa(n: int, weeks: int) -> float:
    """ns per person-step of the plain per-agent Mesa life/crisis model (after one warm-up)."""
    sys.path.insert(0, str(HERE))
    from plain_mesa import PlainMesaModel

    model = PlainMesaModel(n)
    model.step()
    t0 = time.perf_counter()
    for _ in range(weeks):
        model.step()
    return (time.perf_counter() - t0) / (n * weeks) * 1e9


def probe_rss(n: int, weeks: int) -> dict:
    """In a fresh process: peak RSS (getrusage) after build and a few steps.

    The growth per person uses the *current* RSS (after imports and a 1,000-person warm-up
    model, then after the model of ``n`` persons), because the peak is often set by
    imports and JIT-cache loading rather than by the model.
    """
    from carecomplex.model import CareModel

    warm = CareModel(_params(1_000, 1))
    warm.step()
    del warm
    base = _current_rss_bytes()
    model = CareModel(_params(n, weeks))
    for _ in range(min(weeks, 3) + 1):
        model.step()
    now = _current_rss_bytes()
    return {
        "rss_before_model_bytes": base,
        "rss_after_model_bytes": now,
        "peak_rss_bytes": _maxrss_bytes(),
        "rss_growth_per_person": (now - base) / n,
        "bytes_per_person": model.state.bytes_per_person(),
    }


def rss_in_subprocess(n: int, weeks: int) -> dict:
    """Peak RSS of a child process that builds and steps one model of ``n`` persons."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--probe-rss", str(n)]
    cmd += ["--weeks", str(weeks)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(res.stdout.strip().splitlines()[-1])


def startup_seconds(cold: bool) -> float:
    """Wall time of ``python -c`` that imports, builds a 1e4 model and steps once."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="numba-cold-") as tmp:
        if cold:
            env["NUMBA_CACHE_DIR"] = tmp
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", STARTUP_CODE], env=env, check=True, cwd=ROOT)
        return time.perf_counter() - t0


def bandwidth_gbs(mbytes: int = 512, best_of: int = 3) -> float:
    """numpy copy of a ``mbytes`` MB array: GB/s counting bytes read + bytes written."""
    import numpy as np

    a = np.ones(mbytes * 1_000_000 // 8)
    b = np.empty_like(a)
    np.copyto(b, a)  # fault the pages in before timing
    best = float("inf")
    for _ in range(best_of):
        t0 = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t0)
    moved = 2 * a.nbytes
    del a, b
    return moved / best / 1e9


def _sizes(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",") if s.strip()]


def _weeks_for(n: int, args: argparse.Namespace) -> int:
    """Timed steps at ``n`` persons: fewer at 1e6 and above (see ``--weeks-large``)."""
    return args.weeks_large if n >= 1_000_000 else args.weeks


def _med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def run(args: argparse.Namespace) -> dict:
    """Run all measurements; returns the result dictionary."""
    import numba
    import numpy as np

    t_start = time.perf_counter()
    sizes = _sizes(args.sizes)
    mesa_sizes = _sizes(args.mesa_sizes)
    care: dict[int, list[dict]] = {n: [] for n in sizes}
    mesa_ns: dict[int, list[float]] = {n: [] for n in mesa_sizes}
    boot: dict[str, list[float]] = {"warm": [], "cold": []}
    log = print if not args.quiet else (lambda *a, **k: None)

    # Compile (or load) the kernels once, so the timed repeats never include JIT.
    time_care(1_000, 1)
    # Interleaved repeats: every configuration once per repeat, in alternating order.
    for r in range(args.repeats):
        order = sizes if r % 2 == 0 else sizes[::-1]
        for n in order:
            log(f"[repeat {r + 1}/{args.repeats}] CareModel n={n:,}")
            care[n].append(time_care(n, _weeks_for(n, args)))
        for n in mesa_sizes if r % 2 == 0 else mesa_sizes[::-1]:
            log(f"[repeat {r + 1}/{args.repeats}] plain Mesa n={n:,}")
            mesa_ns[n].append(time_mesa(n, args.mesa_weeks))
        if not args.no_startup:
            for kind in ("warm", "cold") if r % 2 == 0 else ("cold", "warm"):
                log(f"[repeat {r + 1}/{args.repeats}] start-up ({kind} numba cache)")
                boot[kind].append(startup_seconds(kind == "cold"))

    log("phase profile: time per kernel and Python part of the step, one run per size")
    phases = {n: time_phases(n, _weeks_for(n, args)) for n in sorted(set(sizes) | set(mesa_sizes))}
    full = None
    if args.full_run:
        log(f"full run: {args.full_run:,} persons x 520 weeks")
        full = time_full_run(args.full_run, 520)
    log("memory: peak RSS per size (fresh subprocess each) and bandwidth probe")
    rss = {n: rss_in_subprocess(n, _weeks_for(n, args)) for n in sizes}
    bw = bandwidth_gbs()

    per_size = []
    for n in sizes:
        ns = _med([c["ns_per_person_step"] for c in care[n]])
        bpp = care[n][0]["bytes_per_person"]
        step_s = ns * n * 1e-9
        floor_s = bpp * n / (bw * 1e9)
        per_size.append(
            {
                "persons": n,
                "ns_per_person_step": ns,
                "ns_per_person_step_all": [c["ns_per_person_step"] for c in care[n]],
                "ms_per_step": _med([c["ms_per_step"] for c in care[n]]),
                "build_s": _med([c["build_s"] for c in care[n]]),
                "state_bytes_per_person": bpp,
                "state_bytes": bpp * n,
                **rss[n],
                "bandwidth_floor_s": floor_s,
                "step_over_bandwidth_floor": step_s / floor_s,
                "weeks_timed": _weeks_for(n, args),
                "run_520_weeks_s_extrapolated": ns * n * 520 * 1e-9,
                "phases_ns_per_person_step": {k: v / n * 1e9 for k, v in phases[n].items()},
            }
        )
    care_ns = {row["persons"]: row["ns_per_person_step"] for row in per_size}
    mesa_rows = []
    for n in mesa_sizes:
        ns = _med(mesa_ns[n])
        ref = care_ns.get(n)
        ph = phases[n]
        like = sum(ph[k] for k in LIFE) / n * 1e9
        mesa_rows.append(
            {
                "persons": n,
                "ns_per_person_step": ns,
                "ns_per_person_step_all": mesa_ns[n],
                "care_full_step_ns_per_person_step": ref,
                "ratio_mesa_life_crisis_over_care_full_step": ns / ref if ref else None,
                "care_life_crisis_ns_per_person_step": like,
                "ratio_like_for_like": ns / like,
            }
        )
    return {
        "meta": {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "numba_threads": numba.get_num_threads(),
            "numba_threading_layer": _threading_layer(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "cpu_count": os.cpu_count(),
            "machine": platform.machine(),
            "sizes": sizes,
            "weeks_timed": args.weeks,
            "mesa_weeks_timed": args.mesa_weeks,
            "repeats": args.repeats,
            "statistic": "median over interleaved repeats",
            "harness_seconds": time.perf_counter() - t_start,
        },
        "care_model": per_size,
        "plain_mesa": {
            "note": (
                "Per-agent Mesa (shuffle_do) implements ONLY the life/crisis part of the "
                "person step (need drift + coupling, shocks, crisis hazard, crisis and "
                "death draws); CareModel.step does all 6 steps. The ratio is a LOWER BOUND."
            ),
            "rows": mesa_rows,
        },
        "startup": {
            "what": f"wall time of `python -c` importing, building {STARTUP_N:,} persons, 1 step",
            "warm_cache_s": _med(boot["warm"]),
            "cold_cache_s": _med(boot["cold"]),
            "warm_all": boot["warm"],
            "cold_all": boot["cold"],
        },
        "bandwidth": {
            "what": "numpy copy of a 512 MB float64 array, best of 3, (read + write bytes) / s",
            "gb_per_s": bw,
        },
        "full_run": full,
        "load_average": os.getloadavg(),
        "harness_peak_rss_bytes": _maxrss_bytes(),
    }


def _threading_layer() -> str:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run in this process
        return "unknown"


def show(res: dict) -> None:
    """Print the results as rich tables."""
    from rich.console import Console
    from rich.table import Table

    con = Console(width=max(Console().width, 130))
    meta = res["meta"]
    t = Table(
        title=(
            f"CareModel.step (full weekly step): median of {meta['repeats']} interleaved "
            f"repeats, {meta['weeks_timed']} timed steps after 1 warm-up; "
            f"numba {meta['numba_threads']} threads"
        )
    )
    for col in (
        "persons",
        "ns/person-step",
        "ms/step",
        "build s",
        "state B/pers",
        "peak RSS MB",
        "RSS grow B/pers",
        "x bw floor",
    ):
        t.add_column(col, justify="right")
    for r in res["care_model"]:
        t.add_row(
            f"{r['persons']:,}",
            f"{r['ns_per_person_step']:,.1f}",
            f"{r['ms_per_step']:,.2f}",
            f"{r['build_s']:.2f}",
            f"{r['state_bytes_per_person']:,.0f}",
            f"{r['peak_rss_bytes'] / 1e6:,.0f}",
            f"{r['rss_growth_per_person']:,.0f}",
            f"{r['step_over_bandwidth_floor']:,.0f}",
        )
    con.print(t)
    con.print(
        f"Bandwidth probe: {res['bandwidth']['gb_per_s']:.1f} GB/s ({res['bandwidth']['what']}). "
        "'x bandwidth floor' = step time / (state bytes / bandwidth): a ROUGH floor multiple."
    )

    ph = Table(title="Where the step goes: ns per person-step by phase (one run per size)")
    ph.add_column("persons", justify="right")
    used = [k for k in PHASES if any(r["phases_ns_per_person_step"][k] for r in res["care_model"])]
    names = [*used, "python", "total"]
    for col in names:
        ph.add_column(col, justify="right")
    for r in res["care_model"]:
        p = r["phases_ns_per_person_step"]
        ph.add_row(f"{r['persons']:,}", *(f"{p[k]:,.1f}" for k in names))
    con.print(ph)

    m = Table(title="Plain per-agent Mesa (life/crisis part) vs CareModel")
    for col in (
        "persons",
        "Mesa ns/person-step",
        "CareModel full step",
        "ratio vs full step (>=)",
        "CareModel life/crisis",
        "ratio like for like",
    ):
        m.add_column(col, justify="right")
    for r in res["plain_mesa"]["rows"]:
        ref = r["care_full_step_ns_per_person_step"]
        ratio = r["ratio_mesa_life_crisis_over_care_full_step"]
        m.add_row(
            f"{r['persons']:,}",
            f"{r['ns_per_person_step']:,.0f}",
            f"{ref:,.1f}" if ref else "(size not benchmarked)",
            f"{ratio:,.0f}x" if ratio else "-",
            f"{r['care_life_crisis_ns_per_person_step']:,.1f}",
            f"{r['ratio_like_for_like']:,.0f}x",
        )
    if res["plain_mesa"]["rows"]:  # --mesa-sizes "" skips plain Mesa
        con.print(m)
        con.print(res["plain_mesa"]["note"])

    s = res["startup"]
    if s["warm_all"]:  # --no-startup skips it
        con.print(
            f"Start-up to first step ({s['what']}): warm numba cache {s['warm_cache_s']:.2f} s, "
            f"cold cache {s['cold_cache_s']:.2f} s"
        )
    _show_targets(con, res)
    con.print(
        f"Harness: {meta['harness_seconds']:.0f} s (load average at the end "
        f"{', '.join(f'{x:.1f}' for x in res['load_average'])}); "
        "timings carry +/-30-50 % VM noise, "
        "ratios within one run are more reliable."
    )


def _show_targets(con, res: dict) -> None:
    """The issue's targets against this run's figures."""
    from rich.table import Table

    rows = {r["persons"]: r for r in res["care_model"]}
    lines = []
    big = rows.get(1_000_000)
    if big:
        run_s = res["full_run"]["run_s"] if res.get("full_run") else None
        est = big["run_520_weeks_s_extrapolated"]
        how = f"measured {run_s:.1f} s" if run_s else f"extrapolated {est:.1f} s"
        lines.append(("1e6 persons x 520 weeks <= 30 s (stretch 15 s)", how, (run_s or est) <= 30))
        lines.append(
            (
                "peak RSS at 1e6 <= 2 GB",
                f"{big['peak_rss_bytes'] / 1e9:.2f} GB",
                big["peak_rss_bytes"] <= 2e9,
            )
        )
        if 100_000 in rows:
            q = big["ns_per_person_step"] / rows[100_000]["ns_per_person_step"]
            lines.append(("ns/person-step 1e6 <= 1.5 x 1e5", f"{q:.2f}x", q <= 1.5))
    bpp = max(r["state_bytes_per_person"] for r in res["care_model"])
    lines.append(("state <= 300 B/person", f"{bpp:.0f} B", bpp <= 300))
    for r in res["plain_mesa"]["rows"]:
        if r["ratio_mesa_life_crisis_over_care_full_step"]:
            x = r["ratio_mesa_life_crisis_over_care_full_step"]
            lines.append((f">= 200x plain Mesa at {r['persons']:,}", f"{x:.0f}x", x >= 200))
    warm = res["startup"]["warm_cache_s"]
    if warm == warm:  # not NaN
        lines.append(("warm start to first step <= 3 s", f"{warm:.2f} s", warm <= 3))
    t = Table(title="Targets (issue 6)")
    for col in ("target", "this run", "met"):
        t.add_column(col)
    for name, val, ok in lines:
        t.add_row(name, val, "yes" if ok else "NO")
    con.print(t)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6", help="persons, comma-separated")
    ap.add_argument("--weeks", type=int, default=52, help="timed steps per measurement")
    ap.add_argument(
        "--weeks-large", type=int, default=10, help="timed steps at 1e6 persons and above"
    )
    ap.add_argument(
        "--full-run",
        type=lambda x: int(float(x)),
        default=0,
        help="also time one whole 520-week run at this many persons (e.g. 1e6)",
    )
    ap.add_argument("--repeats", type=int, default=3, help="interleaved repeats (median)")
    ap.add_argument("--mesa-sizes", default="1e3,1e4", help="plain-Mesa sizes")
    ap.add_argument("--mesa-weeks", type=int, default=10, help="timed plain-Mesa steps")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up timings")
    ap.add_argument("--out", default=str(HERE / "results" / "latest.json"), help="JSON path")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    ap.add_argument("--probe-rss", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.probe_rss:
        print(json.dumps(probe_rss(args.probe_rss, args.weeks)))
        return
    res = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    show(res)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
