"""Benchmark harness for carecomplex: step speed, memory, start-up and a bandwidth floor.

Run from the project root; every figure of issue 19's targets table in one run::

    uv run python benchmarks/run.py --full-run 1e6

    uv run python benchmarks/run.py [--sizes 1e3,1e4,1e5] [--weeks 52] [--repeats 3]
                                    [--no-startup] [--no-sweep]
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
STARTUP_N = 10_000  # the default population (Params().population.persons)
# What a user does: import the model, build the default population, step once. The
# timestamps split the subprocess's wall time into import, build and the first step
# (which loads the cached kernels, or compiles them with a cold cache).
STARTUP_CODE = """\
import json, time
t0 = time.perf_counter()
from carecomplex.model import CareModel
from carecomplex.params import Params
t1 = time.perf_counter()
m = CareModel(Params())
t2 = time.perf_counter()
m.step()
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "build_s": t2 - t1, "first_step_s": t3 - t2,
                  "persons": m.params.population.persons}))
"""
SWEEP_PERSONS, SWEEP_YEARS = 10_000, 10.0  # issue 19's sweep figure
FULL_WEEKS = 520  # 10 years


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


PHASES = {  # phase -> (module, attribute) that CareModel.step calls as module.attribute(...)
    # families + life_crisis fused in one pass (used when families tile the persons)
    "life_families": ("carecomplex.processes.life", "life_families"),
    "families": ("carecomplex.processes.life", "families"),
    "life_crisis": ("carecomplex.processes.life", "life_crisis"),
    "access": ("carecomplex.processes.access", "access"),  # with scratch kept by the model
    "support": ("carecomplex.processes.support", "support"),  # + the weekly wellbeing sums
    "housing": ("carecomplex.processes.housing", "housing"),  # tenancies, treatment, the pot
    "learn": ("carecomplex.processes.learning", "learn"),  # the Kim loop (8 services)
    "workforce": ("carecomplex.processes.workforce", "workforce"),
    "charge_posts": ("carecomplex.processes.workforce", "charge_posts"),
    "record": ("carecomplex.model", "CareModel._record"),  # the week's rows and series
}
LIFE = ("life_families", "families", "life_crisis")  # the part plain Mesa also does


def _is_life(phase: str) -> bool:
    """A phase of the life step: in ``LIFE``, or another kernel of processes/life.py."""
    return phase in LIFE or phase.startswith("life.")


def _resolve(module: str, attr: str) -> tuple[object, str] | None:
    """(owner, name) of ``module.attr`` (``attr`` may be ``Class.method``), None if absent."""
    import importlib

    try:
        owner = importlib.import_module(module)
    except ImportError:
        return None
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    return (owner, name) if callable(getattr(owner, name, None)) else None


def _dispatchers() -> list[tuple[object, str, object]]:
    """(module, name, dispatcher) of every numba dispatcher in a loaded carecomplex module.

    Found so that a kernel the step calls that is not in ``PHASES`` (a fused or serial
    variant, say) is timed as its own phase instead of being counted as Python.
    """
    from numba.core.dispatcher import Dispatcher

    found = []
    for mod_name, mod in list(sys.modules.items()):
        if mod is None or not (mod_name == "carecomplex" or mod_name.startswith("carecomplex.")):
            continue
        for name, obj in list(vars(mod).items()):
            if isinstance(obj, Dispatcher):
                found.append((mod, name, obj))
    return found


def _kernel_name(f: object) -> str:
    py = getattr(f, "py_func", f)
    module = getattr(py, "__module__", "") or ""
    return f"{module.removeprefix('carecomplex.').removeprefix('processes.')}.{py.__name__}"


def has_fused_path() -> bool:
    """Whether ``CareModel`` has a ``fused`` switch (steps 1-6 in one compiled call)."""
    from carecomplex.model import CareModel

    return isinstance(getattr(CareModel, "fused", None), bool)


def time_phases(n: int, weeks: int, fused: bool = False) -> dict:
    """Seconds per step spent in each kernel of ``CareModel.step`` and in the rest.

    With ``fused`` False the model (if it has the switch, :func:`has_fused_path`) runs
    its steps kernel by kernel from Python (``CareModel._kernels``), so each kernel is
    timed on its own; with True it runs the model's own path (one compiled call for
    steps 1-6, timed as one phase).

    The model is built and stepped once (so every kernel it uses is compiled or loaded
    before anything is patched); then each function of ``PHASES`` that exists, and
    every other numba dispatcher of a loaded carecomplex module, is replaced by a
    ``perf_counter`` accumulator (about a microsecond per call) and ``weeks`` steps are
    timed. Only the outermost timed call counts, so a Python phase (``learn``) that
    calls kernels keeps their time. "python" is the rest of the step (levers,
    information, the DataCollector...). A kernel called through a reference the
    harness does not see (a compiled entry point kept in a container, say) counts as
    "python".

    Returns ``{"seconds": {phase: s per step or None if never called}, "calls": {phase:
    calls per step}}``; ``seconds`` also holds "python" and "total", and any other
    kernel called (named ``module.function``).
    """
    from carecomplex.model import CareModel

    model = CareModel(_params(n, weeks))
    if has_fused_path():
        model.fused = fused
    model.step()  # unpatched warm-up: a kernel compiled now sees the real globals

    acc: dict[str, float] = {}
    calls: dict[str, int] = {}
    busy = [False]

    def timed(name: str, f):
        acc.setdefault(name, 0.0)
        calls.setdefault(name, 0)

        def g(*args, **kwargs):
            if busy[0]:  # inside another timed call: its time is counted there
                return f(*args, **kwargs)
            busy[0] = True
            t0 = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                acc[name] += time.perf_counter() - t0
                calls[name] += 1
                busy[0] = False

        return g

    named: dict[int, str] = {}  # id(original function) -> phase
    patches: list[tuple[object, str, object, bool]] = []  # owner, attr, original, own

    def patch(owner, attr: str, name: str) -> None:
        own = attr in vars(owner)
        f = getattr(owner, attr)
        patches.append((owner, attr, vars(owner).get(attr, f), own))
        setattr(owner, attr, timed(name, f))

    try:
        for phase, (module, attr) in PHASES.items():
            where = _resolve(module, attr)
            if where is not None:
                named[id(getattr(*where))] = phase
                patch(*where, phase)
        for mod, attr, f in _dispatchers():
            if not isinstance(vars(mod).get(attr), type(f)):
                continue  # already patched (named phase in this module)
            patch(mod, attr, named.get(id(f), _kernel_name(f)))
        for attr, f in list(vars(model).items()):  # kernels the model keeps itself
            if id(f) in named:
                setattr(model, attr, timed(named[id(f)], f))
        t0 = time.perf_counter()
        for _ in range(weeks):
            model.step()
        total = time.perf_counter() - t0
    finally:
        for owner, attr, f, own in reversed(patches):
            if own:
                setattr(owner, attr, f)
            else:
                delattr(owner, attr)
    del model
    seconds: dict[str, float | None] = dict.fromkeys(PHASES)
    seconds |= {k: v / weeks for k, v in acc.items() if calls[k] or k in PHASES}
    for k in PHASES:
        if not calls.get(k):
            seconds[k] = None  # not called: absent, not 0
    seconds["python"] = total / weeks - sum(v for v in seconds.values() if v is not None)
    seconds["total"] = total / weeks
    return {
        "seconds": seconds,
        "calls": {k: c / weeks for k, c in calls.items() if c},
    }


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
    run_s = time.perf_counter() - t0
    return {
        "persons": n,
        "weeks": model.n_weeks,
        "build_s": build,
        "run_s": run_s,
        "whole_s": build + run_s,
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


def startup_seconds(cold: bool) -> dict:
    """Wall time of ``python -c STARTUP_CODE``: import, build 1e4 persons, step once.

    Returns ``{"wall_s": ..., "import_s", "build_s", "first_step_s", "persons"}`` (the
    parts as timed inside the child; the wall time also holds the interpreter's start).
    """
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="numba-cold-") as tmp:
        if cold:
            env["NUMBA_CACHE_DIR"] = tmp
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-c", STARTUP_CODE],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
    return {"wall_s": wall, **json.loads(res.stdout.strip().splitlines()[-1])}


def time_sweep(seeds: int, workers: int, persons: int, years: float, log) -> dict:
    """``benchmarks/sweep.py``'s measurement: siloed + alliance x ``seeds`` runs."""
    sys.path.insert(0, str(HERE))
    from sweep import measure

    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        log(f"  sweep: {done}/{total} runs committed ({time.perf_counter() - t0:.0f} s)")

    return measure(workers, seeds, persons, years, progress=progress)


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


def _phase_ns(seconds: float | None, n: int) -> float | None:
    return None if seconds is None else seconds / n * 1e9


def run(args: argparse.Namespace) -> dict:
    """Run all measurements; returns the result dictionary."""
    import numba
    import numpy as np

    t_start = time.perf_counter()
    sizes = _sizes(args.sizes)
    mesa_sizes = _sizes(args.mesa_sizes)
    care: dict[int, list[dict]] = {n: [] for n in sizes}
    mesa_ns: dict[int, list[float]] = {n: [] for n in mesa_sizes}
    boot: dict[str, list[dict]] = {"warm": [], "cold": []}
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
            kinds = ("warm",) if args.no_cold_start else ("warm", "cold")
            for kind in kinds if r % 2 == 0 else kinds[::-1]:
                log(f"[repeat {r + 1}/{args.repeats}] start-up ({kind} numba cache)")
                boot[kind].append(startup_seconds(kind == "cold"))

    log("phase profile: time per kernel and Python part of the step, one run per size")
    phase_runs = {
        n: time_phases(n, _weeks_for(n, args)) for n in sorted(set(sizes) | set(mesa_sizes))
    }
    phases = {n: ph["seconds"] for n, ph in phase_runs.items()}
    fused_runs = {}
    if has_fused_path():
        log("phase profile of the model's own (fused) path, one run per size")
        fused_runs = {n: time_phases(n, _weeks_for(n, args), fused=True) for n in sizes}
    full = None
    if args.full_run:
        log(f"full run: {args.full_run:,} persons x {FULL_WEEKS} weeks")
        full = time_full_run(args.full_run, FULL_WEEKS)
    sweep = None
    if args.sweep:
        runs = 2 * args.sweep_seeds
        log(
            f"sweep: {runs} runs (siloed + alliance x {args.sweep_seeds} seeds) of "
            f"{args.sweep_persons:,} persons x {args.sweep_years:g} years on "
            f"{args.sweep_workers} workers (a line per committed batch)"
        )
        sweep = time_sweep(
            args.sweep_seeds, args.sweep_workers, args.sweep_persons, args.sweep_years, log
        )
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
                "bandwidth_floor_ns_per_person_step": floor_s / n * 1e9,
                "step_over_bandwidth_floor": step_s / floor_s,
                "weeks_timed": _weeks_for(n, args),
                "run_520_weeks_s_extrapolated": ns * n * FULL_WEEKS * 1e-9,
                "phases_ns_per_person_step": {k: _phase_ns(v, n) for k, v in phases[n].items()},
                "phases_calls_per_step": phase_runs[n]["calls"],
                "phases_absent": [k for k, v in phases[n].items() if v is None],
                "phases_fused_ns_per_person_step": {
                    k: _phase_ns(v, n) for k, v in fused_runs[n]["seconds"].items() if v is not None
                }
                if n in fused_runs
                else None,
            }
        )
    care_ns = {row["persons"]: row["ns_per_person_step"] for row in per_size}
    mesa_rows = []
    for n in mesa_sizes:
        ns = _med(mesa_ns[n])
        ref = care_ns.get(n)
        life = [v for k, v in phases[n].items() if v is not None and _is_life(k)]
        like = sum(life) / n * 1e9 if life else None
        mesa_rows.append(
            {
                "persons": n,
                "ns_per_person_step": ns,
                "ns_per_person_step_all": mesa_ns[n],
                "care_full_step_ns_per_person_step": ref,
                "ratio_mesa_life_crisis_over_care_full_step": ns / ref if ref else None,
                "care_life_crisis_ns_per_person_step": like,
                "ratio_like_for_like": ns / like if like else None,
            }
        )
    warm_parts = {
        k: _med([b[k] for b in boot["warm"]]) for k in ("import_s", "build_s", "first_step_s")
    }
    res = {
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
            "weeks_timed_large": args.weeks_large,
            "mesa_weeks_timed": args.mesa_weeks,
            "repeats": args.repeats,
            "statistic": "median over interleaved repeats",
            "fused_path": has_fused_path(),
            "args": vars(args),
            "harness_seconds": time.perf_counter() - t_start,
        },
        "care_model": per_size,
        "plain_mesa": {
            "note": (
                "Per-agent Mesa (shuffle_do) implements ONLY the life/crisis part of the "
                "person step (need drift + coupling, shocks, crisis hazard, crisis and "
                "death draws); CareModel.step does all 6 steps. The ratio against the full "
                "step is a LOWER BOUND; like for like is against the CareModel's life "
                "kernel (phase profile)."
            ),
            "rows": mesa_rows,
        },
        "startup": {
            "what": (
                f"wall time of `python -c` importing carecomplex.model, building the "
                f"default {STARTUP_N:,} persons, 1 step"
            ),
            "code": STARTUP_CODE,
            "warm_cache_s": _med([b["wall_s"] for b in boot["warm"]]),
            "cold_cache_s": _med([b["wall_s"] for b in boot["cold"]]),
            "warm_all": [b["wall_s"] for b in boot["warm"]],
            "cold_all": [b["wall_s"] for b in boot["cold"]],
            "warm_parts_s": warm_parts,
            "cold_first_step_s": _med([b["first_step_s"] for b in boot["cold"]]),
        },
        "bandwidth": {
            "what": "numpy copy of a 512 MB float64 array, best of 3, (read + write bytes) / s",
            "gb_per_s": bw,
        },
        "full_run": full,
        "sweep": sweep,
        "load_average": os.getloadavg(),
        "harness_peak_rss_bytes": _maxrss_bytes(),
    }
    res["meta"]["harness_seconds"] = time.perf_counter() - t_start
    res["targets"] = targets(res)
    return res


def _threading_layer() -> str:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run in this process
        return "unknown"


def _fmt(x: float | None, spec: str, unit: str = "") -> str:
    return "-" if x is None else f"{x:{spec}}{unit}"


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

    split = " (kernel by kernel: CareModel.fused = False)" if meta.get("fused_path") else ""
    ph = Table(title=f"Where the step goes: ns per person-step by phase, one run per size{split}")
    ph.add_column("persons", justify="right")
    rows = res["care_model"]
    seen = {k for r in rows for k, v in r["phases_ns_per_person_step"].items() if v is not None}
    names = [k for k in rows[0]["phases_ns_per_person_step"] if k in seen] if rows else []
    names = [k for k in names if k not in ("python", "total")] + ["python", "total"]
    for col in names:
        ph.add_column(col, justify="right")
    for r in rows:
        p = r["phases_ns_per_person_step"]
        ph.add_row(
            f"{r['persons']:,}",
            *(f"{p[k]:,.1f}" if p.get(k) is not None else "absent" for k in names),
        )
    con.print(ph)
    absent = sorted({k for r in rows for k in r.get("phases_absent", []) if k not in seen})
    if absent:
        con.print(f"Not called at any size (absent, not 0): {', '.join(absent)}")
    fz = [r for r in rows if r.get("phases_fused_ns_per_person_step")]
    if fz:
        cols = list(dict.fromkeys(k for r in fz for k in r["phases_fused_ns_per_person_step"]))
        cols = [k for k in cols if k not in ("python", "total")] + ["python", "total"]
        ft = Table(title="The model's own path (CareModel.fused): ns per person-step by phase")
        ft.add_column("persons", justify="right")
        for col in cols:
            ft.add_column(col, justify="right")
        for r in fz:
            p = r["phases_fused_ns_per_person_step"]
            ft.add_row(f"{r['persons']:,}", *(_fmt(p.get(k), ",.1f") for k in cols))
        con.print(ft)

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
            _fmt(r["care_life_crisis_ns_per_person_step"], ",.1f"),
            _fmt(r["ratio_like_for_like"], ",.0f", "x"),
        )
    if res["plain_mesa"]["rows"]:  # --mesa-sizes "" skips plain Mesa
        con.print(m)
        con.print(res["plain_mesa"]["note"])

    s = res["startup"]
    if s["warm_all"]:  # --no-startup skips it
        parts = s.get("warm_parts_s") or {}
        split = ", ".join(
            f"{k.removesuffix('_s').replace('_', ' ')} {v:.2f}" for k, v in parts.items()
        )
        con.print(
            f"Start-up to first step ({s['what']}): warm numba cache {s['warm_cache_s']:.2f} s"
            + (f" ({split})" if split else "")
            + (f", cold cache {s['cold_cache_s']:.2f} s" if s["cold_all"] else "")
        )
    if res.get("full_run"):
        f = res["full_run"]
        con.print(
            f"Whole run: {f['persons']:,} persons x {f['weeks']} weeks in {f['run_s']:.1f} s "
            f"(build {f['build_s']:.1f} s)"
        )
    if res.get("sweep"):
        sys.path.insert(0, str(HERE))
        from sweep import describe

        con.print(f"Sweep: {describe(res['sweep'])}")
    if "targets" not in res:  # a result written before issue 19
        res = {**res, "targets": targets(res)}
    _show_targets(con, res)
    con.print(
        f"Harness: {meta['harness_seconds']:.0f} s (load average at the end "
        f"{', '.join(f'{x:.1f}' for x in res['load_average'])}); "
        "timings carry +/-30-50 % VM noise, "
        "ratios within one run are more reliable."
    )


def _target(name: str, value: str, met: bool | None, stretch: bool | None = None) -> dict:
    return {"target": name, "this_run": value, "met": met, "stretch_met": stretch}


def targets(res: dict) -> list[dict]:
    """Issue 19's targets against this run's figures.

    One entry per target: ``target`` (text), ``this_run`` (the figure, and how it was
    obtained), ``met`` (True, False, or None when this run did not measure it) and
    ``stretch_met`` (for the targets with a stretch, else None).
    """
    rows = {r["persons"]: r for r in res["care_model"]}
    mesa = {r["persons"]: r for r in res["plain_mesa"]["rows"]}
    big = rows.get(1_000_000)
    out = []

    # 1e6 x 520 weeks, whole run (model.run(); the build is shown beside it).
    name = "1e6 persons x 520 weeks, whole run <= 30 s (stretch <= 15 s)"
    full = res.get("full_run")
    if full and full["persons"] == 1_000_000 and full["weeks"] >= FULL_WEEKS:
        s = full["run_s"]
        value = f"measured {s:.1f} s (+ build {full['build_s']:.1f} s)"
        out.append(_target(name, value, s <= 30, s <= 15))
    elif big:
        s = big["run_520_weeks_s_extrapolated"]
        value = f"extrapolated {s:.1f} s from {big['weeks_timed']} steps (--full-run 1e6 measures)"
        out.append(_target(name, value, s <= 30, s <= 15))
    else:
        out.append(_target(name, "not measured (needs 1e6 in --sizes or --full-run 1e6)", None))

    name = "ns/person-step at 1e6 <= 3x the bandwidth floor (stretch)"
    if big:
        q = big["step_over_bandwidth_floor"]
        floor = big["state_bytes_per_person"] / res["bandwidth"]["gb_per_s"]
        value = (
            f"{q:.1f}x ({big['ns_per_person_step']:.0f} ns vs floor {floor:.1f} ns at "
            f"{res['bandwidth']['gb_per_s']:.1f} GB/s)"
        )
        out.append(_target(name, value, None, q <= 3))
    else:
        out.append(_target(name, "not measured (needs 1e6 in --sizes)", None))

    name = "1e3 persons <= 400 ns per person-step"
    if 1_000 in rows:
        ns = rows[1_000]["ns_per_person_step"]
        out.append(_target(name, f"{ns:,.0f} ns", ns <= 400))
    else:
        out.append(_target(name, "not measured (needs 1e3 in --sizes)", None))

    for n, want in ((1_000, 200), (10_000, 400)):
        name = f">= {want}x plain Mesa like for like at {n:,}"
        x = mesa[n]["ratio_like_for_like"] if n in mesa else None
        if x:
            like = mesa[n]["care_life_crisis_ns_per_person_step"]
            value = f"{x:,.0f}x ({mesa[n]['ns_per_person_step']:,.0f} vs {like:,.1f} ns)"
            out.append(_target(name, value, x >= want))
        elif n in mesa:
            out.append(_target(name, "no life kernel in the phase profile", None))
        else:
            out.append(_target(name, f"not measured (needs {n:g} in --mesa-sizes)", None))

    name = "state <= 300 B/person"
    if rows:
        at = big or max(rows.values(), key=lambda r: r["state_bytes_per_person"])
        bpp = at["state_bytes_per_person"]
        out.append(_target(name, f"{bpp:.0f} B (at {at['persons']:,})", bpp <= 300))

    name = "peak RSS at 1e6 <= 1.5 GB"
    if big:
        rss = big["peak_rss_bytes"]
        out.append(_target(name, f"{rss / 1e9:.2f} GB", rss <= 1.5e9))
    else:
        out.append(_target(name, "not measured (needs 1e6 in --sizes)", None))

    name = "warm start to first step <= 2 s"
    st = res["startup"]
    warm = st["warm_cache_s"]
    if warm == warm:  # not NaN
        parts = st.get("warm_parts_s") or {}
        split = ", ".join(
            f"{k.removesuffix('_s').replace('_', ' ')} {v:.2f}" for k, v in parts.items()
        )
        out.append(_target(name, f"{warm:.2f} s" + (f" ({split})" if split else ""), warm <= 2))
    else:
        out.append(_target(name, "not measured (--no-startup)", None))

    sw = res.get("sweep")
    issue_size = bool(sw) and (sw["persons"], sw["years"]) == (SWEEP_PERSONS, SWEEP_YEARS)
    name = "sweep of 10,000 persons x 10 years: runs per hour reported"
    if sw:
        value = (
            f"{sw['runs_per_hour']:,.0f} runs/hour ({sw['runs']} runs of {sw['persons']:,} x "
            f"{sw['years']:g} years, {sw['workers']} workers, {sw['wall_s']:.0f} s)"
        )
        out.append(_target(name, value, bool(sw["runs"]) and not sw["failed"] and issue_size))
    else:
        out.append(_target(name, "not measured (--no-sweep)", None))
    name = "sweep: time outside the model < 5 %"
    if sw:
        share, parts = sw["outside_share"], sw.get("outside_parts")
        value = f"{share:.1%}"
        if parts:  # where it goes: paid once per sweep, or per run
            gap = parts["gap_per_run_ms"]
            value += (
                f" (once: start-up {parts['startup_s']:.1f} s + end {parts['end_s']:.1f} s "
                f"per worker; per run: {gap if gap is not None else float('nan'):.0f} ms)"
            )
        out.append(_target(name, value, share < 0.05 if issue_size else None))
    else:
        out.append(_target(name, "not measured (--no-sweep)", None))
    return out


def _show_targets(con, res: dict) -> None:
    """The targets table (issue 19)."""
    from rich.table import Table

    def yes(x: bool | None) -> str:
        return "-" if x is None else ("yes" if x else "NO")

    t = Table(title="Targets (issue 19)")
    for col in ("target", "this run", "met", "stretch"):
        t.add_column(col)
    for row in res["targets"]:
        t.add_row(row["target"], row["this_run"], yes(row["met"]), yes(row["stretch_met"]))
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
    ap.add_argument(
        "--no-cold-start",
        action="store_true",
        help="time the warm start-up only (the cold one compiles every kernel: minutes)",
    )
    ap.add_argument(
        "--sweep",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time a sweep of 10,000 persons x 10 years (benchmarks/sweep.py; minutes)",
    )
    ap.add_argument("--sweep-seeds", type=int, default=4, help="seeds per arm (siloed, alliance)")
    ap.add_argument("--sweep-workers", type=int, default=2, help="sweep worker processes")
    ap.add_argument("--sweep-persons", type=int, default=SWEEP_PERSONS, help=argparse.SUPPRESS)
    ap.add_argument("--sweep-years", type=float, default=SWEEP_YEARS, help=argparse.SUPPRESS)
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
