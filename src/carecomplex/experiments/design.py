"""Experiment files (TOML) to a validated list of runs: arms × design points × seeds.

An experiment crosses *levers* (the ``[arms]``: scenario files or built-in names) with
*uncertainties* (the ``[parameters]``: ranges of model parameters, sampled by a design)
and replicate seeds. Replicate ``r`` uses the same seed in every arm and at every design
point, so arms are compared with common random numbers. Each run gets a stable id, a
hash of (arm, design point, parameter values, seed), which the results store uses to
resume an interrupted experiment.

```toml
[experiment]
name = "quick"
design = "lhs"          # factorial | lhs | sobol | morris
samples = 8             # lhs: points; sobol: N (N*(D+2) points); morris: N trajectories
levels = 3              # factorial: values per parameter; morris: grid levels
seeds = 3               # 1..3, or a list [4, 8, 15]
persons = 300           # optional overrides of every arm
years = 1
budget_runs = 200       # refuse a design with more runs than this

[arms]                  # the first arm is the base of paired comparisons
siloed = "siloed"
alliance = "alliance"

[parameters]            # GROUP.NAME = [low, high], within the parameter's allowed range
"crisis.base_rate" = [0.0005, 0.001]

[outputs]
set = "headline"        # a named output set, and/or
metrics = ["gaming"]    # summary metrics by name
```

Any problem raises :class:`ExperimentError`, one line naming the file, the key and the
reason, before anything is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from carecomplex.errors import ExperimentError, ParamError, ScenarioError
from carecomplex.inputs import SAFE_NAME, read_toml
from carecomplex.metrics import summary_names
from carecomplex.params import Params, to_dict
from carecomplex.scenarios import load, resolve

DESIGNS = ("factorial", "lhs", "sobol", "morris")
DEFAULT_BUDGET = 10_000
MAX_SEED = 2**63 - 1  # run.seed's range
OUTPUT_SETS: dict[str, tuple[str, ...]] = {
    "headline": (
        "cost_total:complex",
        "cost_total:all",
        "cost_failure_demand:complex",
        "cost_cashable:complex",
        "wellbeing:complex",
        "crises:complex",
        "deaths_per_100:complex",
        "ea_weeks:complex",
        "handoffs:all",
        "kim_relationships",
        "kim_results",
        "burnout",
    ),
    "costs": tuple(n for n in summary_names() if n.startswith("cost_")),
    "all": tuple(summary_names()),
}
SECTIONS = {"experiment", "arms", "parameters", "outputs"}
EXPERIMENT_KEYS = {
    "name",
    "description",
    "design",
    "samples",
    "levels",
    "seeds",
    "persons",
    "years",
    "budget_runs",
    "design_seed",
}


@dataclass(frozen=True)
class RunSpec:
    """One run: an arm at a design point with a seed. Small and picklable."""

    run_id: str
    arm: str
    point: int
    seed: int
    values: tuple[tuple[str, float], ...]
    params: Params


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its design matrix and the runs it implies."""

    name: str
    path: str
    design: str
    samples: int
    levels: int
    design_seed: int
    seeds: tuple[int, ...]
    budget_runs: int
    arms: dict[str, Params]
    bounds: dict[str, tuple[float, float]]
    points: np.ndarray  # (n_points, n_parameters) float64, the values applied
    outputs: tuple[str, ...]
    text: str

    @property
    def n_runs(self) -> int:
        """Runs implied: points × arms × seeds."""
        return len(self.points) * len(self.arms) * len(self.seeds)

    def problem(self) -> dict[str, Any]:
        """The SALib problem of the uncertain parameters."""
        names = list(self.bounds)
        return {"num_vars": len(names), "names": names, "bounds": [self.bounds[n] for n in names]}

    def digest(self) -> str:
        """sha256 of everything that decides the runs and their results."""
        spec = {
            "design": self.design,
            "points": self.points.tolist(),
            "parameters": list(self.bounds),
            "seeds": list(self.seeds),
            "arms": {k: to_dict(p) for k, p in self.arms.items()},
            "outputs": list(self.outputs),
        }
        return _sha(spec)

    def runs(self) -> list[RunSpec]:
        """Every run, seed-major so that paired runs finish close together."""
        names = list(self.bounds)
        out = []
        for i, row in enumerate(self.points):
            values = tuple((n, float(v)) for n, v in zip(names, row, strict=True))
            for arm, base in self.arms.items():
                params = _apply(base, values)
                for seed in self.seeds:
                    rid = _sha([arm, i, values, seed])[:16]
                    out.append(RunSpec(rid, arm, i, seed, values, params))
        return sorted(out, key=lambda r: (r.seed, r.point, list(self.arms).index(r.arm)))


def _sha(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _nest(values: tuple[tuple[str, float], ...]) -> dict[str, dict[str, float]]:
    groups: dict[str, dict[str, float]] = {}
    for key, v in values:
        group, name = key.split(".", 1)
        groups.setdefault(group, {})[name] = v
    return groups


def _apply(base: Params, values: tuple[tuple[str, float], ...]) -> Params:
    return base.replace(**_nest(values)) if values else base


def _is_int(base: Params, key: str) -> bool:
    group, name = key.split(".", 1)
    if group == "costs":
        return False
    fields = {f.name: f for f in dataclasses.fields(getattr(base, group))}
    return fields[name].type in ("int", int)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _int(err: Any, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        err(key, f"expected a whole number from {lo} to {hi}, got {value!r}")
    return value


def _seeds(err: Any, value: Any) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        return tuple(range(1, _int(err, "experiment.seeds", value, 1, 100_000) + 1))
    ok = isinstance(value, list) and 1 <= len(value) <= 100_000
    ok = ok and all(
        isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED for s in value
    )
    if not ok or len(set(value)) != len(value):
        err(
            "experiment.seeds",
            f"expected a count or a list of distinct seeds from 0 to {MAX_SEED}, got {value!r}",
        )
    return tuple(value)


def _bounds(err: Any, base: Params, table: Any) -> dict[str, tuple[float, float]]:
    if not isinstance(table, dict):
        err("parameters", "expected a table of GROUP.NAME = [low, high]")
    out = {}
    for key, rng in _flatten(table).items():
        where = f"parameters.{key}"
        if "." not in key:
            err(where, "expected GROUP.NAME, e.g. crisis.base_rate")
        if key == "run.seed":
            err(where, "seeds are set by experiment.seeds, not swept")
        ok = isinstance(rng, list) and len(rng) == 2
        if not ok or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in rng):
            err(where, f"expected a range [low, high], got {rng!r}")
        lo, hi = float(rng[0]), float(rng[1])
        for v in (lo, hi):
            try:
                base.replace(**_nest(((key, v),)))
            except ParamError as e:
                err(f"parameters.{e.key}", e.reason)
        if not lo < hi:
            err(where, f"empty range [{rng[0]}, {rng[1]}] (need low < high)")
        out[key] = (lo, hi)
    return out


def _outputs(err: Any, table: Any) -> tuple[str, ...]:
    table = {"set": "headline"} if table is None else table
    if not isinstance(table, dict):
        err("outputs", "expected a table with 'set' and/or 'metrics'")
    for key in set(table) - {"set", "metrics"}:
        err(f"outputs.{key}", "unknown key (known: metrics, set)")
    names: list[str] = []
    if "set" in table:
        if not isinstance(table["set"], str) or table["set"] not in OUTPUT_SETS:
            err(
                "outputs.set",
                f"unknown output set {table['set']!r} (known: {', '.join(OUTPUT_SETS)})",
            )
        names += OUTPUT_SETS[table["set"]]
    metrics = table.get("metrics", [])
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        err("outputs.metrics", "expected a list of metric names")
    known = set(summary_names())
    for m in metrics:
        if m not in known:
            err("outputs.metrics", f"unknown metric {m!r} (see OUTPUT_SETS['all'])")
    names += [m for m in metrics if m not in names]
    if not names:
        err("outputs", "no metrics selected")
    return tuple(names)


def design_points(
    design: str, bounds: dict[str, tuple[float, float]], samples: int, levels: int, seed: int
) -> np.ndarray:
    """The design matrix, shape (n_points, n_parameters), float64, in SALib's row order.

    ``factorial`` is every combination of ``levels`` evenly spaced values; ``lhs`` a
    Latin hypercube of ``samples`` points; ``sobol`` Saltelli's ``samples * (D + 2)``
    points (first-order and total indices); ``morris`` ``samples`` trajectories of
    ``D + 1`` points on a ``levels`` grid.
    """
    d = len(bounds)
    if d == 0:
        return np.zeros((1, 0))
    problem = {"num_vars": d, "names": list(bounds), "bounds": [list(b) for b in bounds.values()]}
    if design == "factorial":
        axes = [np.linspace(lo, hi, levels) for lo, hi in bounds.values()]
        grid = np.meshgrid(*axes, indexing="ij")
        return np.stack([g.ravel() for g in grid], axis=1)
    if design == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, samples, seed=seed)
    if design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, samples, num_levels=levels, seed=seed)


def _arms(err: Any, path: Path, head: dict[str, Any], table: Any) -> dict[str, Params]:
    """Each arm's scenario (resolved beside the experiment file) with persons/years set."""
    over: dict[str, Any] = {}
    for key, group in (("persons", "population"), ("years", "run")):
        if key in head:
            over[group] = {key: head[key]}
            try:
                Params().replace(**{group: {key: head[key]}})
            except ParamError as e:
                err(f"experiment.{key}", e.reason)
    if not isinstance(table, dict) or not table:
        err("arms", "expected a table of NAME = scenario (a file or built-in name)")
    arms = {}
    for name, ref in table.items():
        if not SAFE_NAME.fullmatch(name):
            err(f"arms.{name}", "expected a name of letters, digits, '_', '.' or '-' (at most 64)")
        if not isinstance(ref, str):
            err(f"arms.{name}", f"expected a scenario file or built-in name, got {ref!r}")
        try:
            arms[name] = load(resolve(ref, near=path.parent), over).params
        except ScenarioError as e:
            err(f"arms.{name}", str(e))
    return arms


def _head(err: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The ``[experiment]`` table checked: design, its size, seeds and budget."""
    for key in set(data) - SECTIONS:
        err(key, f"unknown section (known: {', '.join(sorted(SECTIONS))})")
    head = data.get("experiment", {})
    if not isinstance(head, dict):
        err("experiment", f"expected a table, got {type(head).__name__}")
    for key in set(head) - EXPERIMENT_KEYS:
        err(f"experiment.{key}", f"unknown key (known: {', '.join(sorted(EXPERIMENT_KEYS))})")
    for key in ("name", "description"):
        if key in head and not isinstance(head[key], str):
            err(f"experiment.{key}", f"expected a string, got {head[key]!r}")
    design = head.get("design", "factorial")
    if not isinstance(design, str) or design not in DESIGNS:
        err("experiment.design", f"unknown design {design!r} (known: {', '.join(DESIGNS)})")
    samples = _int(err, "experiment.samples", head.get("samples", 8), 1, 1_000_000)
    levels = _int(
        err, "experiment.levels", head.get("levels", 3 if design != "morris" else 4), 2, 100
    )
    if design == "sobol" and samples & (samples - 1):
        err("experiment.samples", f"sobol needs a power of two, got {samples}")
    if design == "morris" and levels % 2:
        err("experiment.levels", f"morris needs an even number of levels, got {levels}")
    design_seed = _int(err, "experiment.design_seed", head.get("design_seed", 0), 0, 2**32 - 1)
    budget = _int(err, "experiment.budget_runs", head.get("budget_runs", DEFAULT_BUDGET), 1, 10**9)
    seeds = _seeds(err, head.get("seeds", 10))
    return {"design": design, "samples": samples, "levels": levels} | {
        "design_seed": design_seed,
        "budget_runs": budget,
        "seeds": seeds,
    }


def _points(h: dict[str, Any], bounds: dict[str, tuple[float, float]], base: Params) -> np.ndarray:
    """The design matrix of ``h``'s design, clipped to the bounds, integers rounded."""
    design = h["design"]
    points = design_points(design, bounds, h["samples"], h["levels"], h["design_seed"])
    for j, key in enumerate(bounds):
        points[:, j] = np.clip(points[:, j], *bounds[key])  # samplers' round-off
        if _is_int(base, key):
            points[:, j] = np.round(points[:, j])
    if design == "factorial" and bounds:
        points = np.unique(points, axis=0)  # integer rounding may merge levels
    return points


def load_experiment(ref: str | Path) -> Experiment:
    """Read and validate an experiment file; raise :class:`ExperimentError` on any problem."""
    path = Path(ref)

    def err(key: str, reason: str) -> None:
        raise ExperimentError(f"{path}: {key}: {reason}")

    text, data = read_toml(path, ExperimentError)
    h = _head(err, data)
    head = data.get("experiment", {})
    arms = _arms(err, path, head, data.get("arms", {"siloed": "siloed", "alliance": "alliance"}))
    base = next(iter(arms.values()))
    bounds = _bounds(err, base, data.get("parameters", {}))
    if h["design"] in ("sobol", "morris") and not bounds:
        err("parameters", f"the {h['design']} design needs at least one parameter range")
    outputs = _outputs(err, data.get("outputs"))
    n_points = _design_size(h["design"], len(bounds), h["samples"], h["levels"])
    n_runs = n_points * len(arms) * len(h["seeds"])
    if n_runs > h["budget_runs"]:
        err(
            "experiment.budget_runs",
            f"{n_runs} runs ({n_points} points × {len(arms)} arms × {len(h['seeds'])} seeds) "
            f"exceed the budget of {h['budget_runs']}",
        )
    name = str(head.get("name", path.stem))
    return Experiment(
        name=name, path=str(path), **h, arms=arms, bounds=bounds,
        points=_points(h, bounds, base), outputs=outputs, text=text,
    )  # fmt: skip


def _design_size(design: str, d: int, samples: int, levels: int) -> int:
    if d == 0:
        return 1
    sizes = {"factorial": levels**d, "lhs": samples, "sobol": samples * (d + 2)}
    return sizes.get(design, samples * (d + 1))  # morris: trajectories of d + 1 points
