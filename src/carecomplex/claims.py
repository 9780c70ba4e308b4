"""Counterfactual checks of cost and outcome claims.

A *claim file* (``experiments/claims/*.toml``) states what was claimed (a ratio, a
difference, a per-person saving or a national total), for which population, metric
and window, and which two scenarios stand for "before" (baseline) and "after"
(intervention). The checker runs both scenarios with the same seeds (common random
numbers: the same persons meet the same shocks) and reports:

- the counterfactual effect (intervention - baseline, same persons, same window) with a
  95 % t interval over the paired seeds;
- the probability that the claim holds under the model's assumptions, a verdict and
  its reason;
- the naive before-after estimate on the same people (both arms), so regression to the
  mean is visible next to the counterfactual;
- the trajectory of the metric over time in both arms (a J-curve shows here);
- cashable and non-cashable parts of a cost effect;
- a one-at-a-time sensitivity screen (which parameters move the verdict);
- for national claims, the extrapolation with its interval and the prevalence
  definition it rests on.

Populations are ``everyone``, ``complex`` (the multiple-disadvantage group), ``top_cost``
(the highest-cost fraction at a selection week, chosen in the baseline arm and followed
in both arms) and ``persona`` (a named persona). Person-level metrics (total cost, cost
by budget holder, crises, deaths) work for every population; ledger items (e.g.
emergency accommodation) and avoidable deaths are counted by group only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from carecomplex.costs import ITEMS, Holder, Item
from carecomplex.errors import ClaimError, ParamError
from carecomplex.inputs import SAFE_NAME, read_toml
from carecomplex.params import Params, merge
from carecomplex.state import Event, Persona

# ---------------------------------------------------------------------------------
# Metrics and populations

POPULATIONS = ("everyone", "complex", "top_cost", "persona")
GROUP_POPULATIONS = {"everyone": (0, 1), "complex": (1,)}
EFFECTS = ("ratio", "difference", "saving", "national")
CRISIS_EVENTS = (Event.CRISIS_AE, Event.CRISIS_ADMISSION, Event.CRISIS_CUSTODY, Event.CRISIS_MH)


@dataclass(frozen=True)
class Metric:
    """A countable quantity: how it is counted, its unit and whether cohorts have it."""

    name: str
    unit: str
    scale: float  # multiplies the per-person-year rate (100 for deaths per 100)
    person_level: bool  # available for top_cost and persona populations
    holders: tuple[int, ...] = ()  # cost metrics: budget holders summed
    items: tuple[int, ...] = ()  # cost metrics: ledger items summed
    events: tuple[int, ...] = ()  # count metrics: events summed

    @property
    def is_cost(self) -> bool:
        """True for money metrics."""
        return bool(self.items)


def _metrics() -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    all_items = tuple(int(i) for i in Item)
    out["cost_total"] = Metric(
        "cost_total", "£ per person-year", 1.0, True, tuple(int(h) for h in Holder), all_items
    )
    for h in Holder:
        items = tuple(int(i) for i in Item if ITEMS[i].holder == h)
        out[f"cost_{h.name.lower()}"] = Metric(
            f"cost_{h.name.lower()}", "£ per person-year", 1.0, True, (int(h),), items
        )
    for i in Item:
        out[f"cost_{i.name.lower()}"] = Metric(
            f"cost_{i.name.lower()}", "£ per person-year", 1.0, False, (), (int(i),)
        )
    out["crises"] = Metric(
        "crises", "per person-year", 1.0, True, events=tuple(int(e) for e in CRISIS_EVENTS)
    )
    out["deaths"] = Metric("deaths", "per 100 person-years", 100.0, True, events=(Event.DEATH,))
    out["avoidable_deaths"] = Metric(
        "avoidable_deaths", "per 100 person-years", 100.0, False, events=(Event.CRISIS_DEATH,)
    )
    out["ea_weeks"] = Metric(
        "ea_weeks", "weeks per person-year", 1.0, False, events=(Event.EA_WEEK,)
    )
    return out


METRICS = _metrics()
CASHABLE = np.array([ITEMS[i].cashable for i in Item])
ITEM_HOLDER = np.array([ITEMS[i].holder for i in Item])

DEFAULT_SCREEN: dict[str, tuple[float, float]] = {
    "trust.erode": (0.5, 2.0),
    "learning.rate": (0.5, 2.0),
    "crisis.unmet_multiplier": (0.5, 1.5),
    "workforce.turnover": (0.5, 2.0),
    "capacity.dose": (0.5, 1.5),
    "crisis.need_slope": (0.75, 1.25),
}
"""Default sensitivity screen: parameter -> (low, high) as multiples of its value."""


MAX_SEED = 2**63 - 1  # run.seed's range
MAX_VALUE = 1e15  # claimed values and totals, in the metric's unit (£ or counts)


# ---------------------------------------------------------------------------------
# Claim files


@dataclass(frozen=True)
class National:
    """A national extrapolation: a prevalence count, its definition and the total claimed."""

    count: int
    definition: str
    claimed_total: float
    source: str = ""


@dataclass(frozen=True)
class Claim:
    """One claim, parsed and validated from a claim file."""

    id: str
    statement: str
    source: str
    metric: str
    population: str
    baseline: str
    intervention: str
    window: tuple[int, int]
    before: tuple[int, int]
    effect: str
    value: float
    tolerance: float
    persons: int
    years: float
    seeds: tuple[int, ...]
    fraction: float = 0.1
    select_week: int = 0
    lookback: int = 52
    among: str = "everyone"
    persona: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    screen: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    screen_seeds: int = 5
    national: National | None = None
    notes: str = ""
    path: str = ""

    @property
    def weeks(self) -> int:
        """Measured weeks of each run."""
        return max(1, round(self.years * 52))

    @property
    def bound(self) -> float:
        """The threshold the model's effect must reach for the claim to hold.

        Reductions (``ratio``, ``difference``) hold when the effect is at most the claimed
        value loosened by the tolerance; savings and national totals hold when the
        saving is at least the claimed value less the tolerance.
        """
        v, t = self.value, self.tolerance
        if self.effect == "ratio":
            return v * (1 + t)
        if self.effect == "difference":
            return v * (1 - t) if v < 0 else v + abs(v) * t
        return v * (1 - t)

    @property
    def at_most(self) -> bool:
        """True if the claim holds for effects at or below :attr:`bound`."""
        return self.effect in ("ratio", "difference")


_CLAIM_KEYS = {
    "id": str,
    "statement": str,
    "source": str,
    "notes": str,
    "metric": str,
    "population": str,
    "baseline": str,
    "intervention": str,
    "window": list,
    "before": list,
    "effect": str,
    "value": float,
    "tolerance": float,
    "fraction": float,
    "select_week": int,
    "lookback": int,
    "among": str,
    "persona": str,
}
_RUN_KEYS = {"persons": int, "years": float, "seeds": (int, list), "screen_seeds": int}
_NATIONAL_KEYS = {"count": int, "definition": str, "claimed_total": float, "source": str}
_TOP = {"claim", "run", "national", "parameters", "sensitivity"}


def _fail(path: str, key: str, reason: str) -> ClaimError:
    return ClaimError(f"{path}: {key}: {reason}")


def _typed(path: str, key: str, value: Any, kind: Any) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if k is float and isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise _fail(path, key, f"expected a finite number, got {value!r}")
            return float(value)
        if k is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if k in (str, list) and isinstance(value, k):
            return value
    names = " or ".join(
        {float: "a number", int: "an integer", str: "a string", list: "a list"}[k] for k in kinds
    )
    raise _fail(path, key, f"expected {names}, got {type(value).__name__} {value!r}")


def _table(path: str, data: Mapping[str, Any], name: str, keys: Mapping[str, Any]) -> dict:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise _fail(path, name, f"expected a table, got {type(table).__name__}")
    out = {}
    for k, v in table.items():
        if k not in keys:
            raise _fail(path, f"{name}.{k}", f"unknown key (known: {', '.join(sorted(keys))})")
        out[k] = _typed(path, f"{name}.{k}", v, keys[k])
    return out


def _window(path: str, key: str, value: list, weeks: int) -> tuple[int, int]:
    if (
        len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not 0 <= value[0] < value[1] <= weeks
    ):
        raise _fail(
            path,
            key,
            f"expected [start, end) measured weeks with 0 <= start < end <= {weeks}, got {value!r}",
        )
    return int(value[0]), int(value[1])


def _seeds(path: str, value: int | list) -> tuple[int, ...]:
    if isinstance(value, int):
        if not 2 <= value <= 1000:
            raise _fail(path, "run.seeds", f"expected a count from 2 to 1000, got {value}")
        return tuple(range(1, value + 1))
    if not 2 <= len(value) <= 1000 or not all(
        isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED for s in value
    ):
        raise _fail(path, "run.seeds", f"expected 2 to 1000 integer seeds from 0 to {MAX_SEED}")
    if len(set(value)) != len(value):
        raise _fail(path, "run.seeds", "seeds repeat")
    return tuple(value)


def parse(data: Mapping[str, Any], path: str = "<claim>") -> Claim:
    """Validate a parsed claim file; raises :class:`ClaimError` naming the key."""
    for k in data:
        if k not in _TOP:
            raise _fail(path, k, f"unknown table (known: {', '.join(sorted(_TOP))})")
    c = _table(path, data, "claim", _CLAIM_KEYS)
    run = _table(path, data, "run", _RUN_KEYS)
    for key in (
        "id",
        "statement",
        "metric",
        "population",
        "baseline",
        "intervention",
        "window",
        "effect",
        "value",
    ):
        if key not in c:
            raise _fail(path, f"claim.{key}", "missing")
    if not SAFE_NAME.fullmatch(c["id"]):
        raise _fail(
            path, "claim.id", "expected a name of letters, digits, '_', '.' or '-' (at most 64)"
        )
    persons = run.get("persons", 4000)
    if not 50 <= persons <= 1_000_000:
        raise _fail(path, "run.persons", f"expected 50 to 1000000 persons, got {persons}")
    years = run.get("years", 5.0)
    if not 0.1 <= years <= 50:
        raise _fail(path, "run.years", f"expected 0.1 to 50 years, got {years}")
    weeks = max(1, round(years * 52))
    seeds = _seeds(path, run.get("seeds", 10))
    screen_seeds = run.get("screen_seeds", min(5, len(seeds)))
    if not 2 <= screen_seeds <= len(seeds):
        raise _fail(path, "run.screen_seeds", f"expected 2 to {len(seeds)}, got {screen_seeds}")

    metric = c["metric"]
    if metric not in METRICS:
        raise _fail(
            path, "claim.metric", f"unknown metric {metric!r} (known: {', '.join(METRICS)})"
        )
    population = c["population"]
    if population not in POPULATIONS:
        raise _fail(
            path,
            "claim.population",
            f"unknown population {population!r} (known: {', '.join(POPULATIONS)})",
        )
    if population not in GROUP_POPULATIONS and not METRICS[metric].person_level:
        person_level = [m for m, v in METRICS.items() if v.person_level]
        raise _fail(
            path,
            "claim.metric",
            f"{metric} is counted by group only; population "
            f"{population} needs one of {', '.join(person_level)}",
        )
    effect = c["effect"]
    if effect not in EFFECTS:
        raise _fail(
            path, "claim.effect", f"unknown effect {effect!r} (known: {', '.join(EFFECTS)})"
        )
    value = c["value"]
    if not abs(value) <= MAX_VALUE:
        raise _fail(path, "claim.value", f"expected at most {MAX_VALUE:g} in size, got {value}")
    if effect == "ratio" and not value > 0:
        raise _fail(path, "claim.value", f"a ratio must be above 0, got {value}")
    if effect in ("saving", "national") and not value > 0:
        raise _fail(path, "claim.value", f"a saving must be above 0, got {value}")
    tolerance = c.get("tolerance", 0.2)
    if not 0 <= tolerance < 1:
        raise _fail(path, "claim.tolerance", f"expected 0 <= tolerance < 1, got {tolerance}")
    window = _window(path, "claim.window", c["window"], weeks)
    span = window[1] - window[0]
    if "before" in c:
        before = _window(path, "claim.before", c["before"], weeks)
    else:
        if window[0] == 0:
            raise _fail(
                path,
                "claim.window",
                "starts at week 0, so there is no 'before' "
                "window; start it later or give claim.before",
            )
        before = (max(0, window[0] - span), window[0])
    fraction = c.get("fraction", 0.1)
    select_week = c.get("select_week", window[0])
    lookback = c.get("lookback", 52)
    among = c.get("among", "everyone")
    persona = c.get("persona", "")
    if population == "top_cost":
        if not 0 < fraction <= 1:
            raise _fail(path, "claim.fraction", f"expected 0 < fraction <= 1, got {fraction}")
        if not 1 <= lookback <= weeks:
            raise _fail(path, "claim.lookback", f"expected 1 to {weeks} weeks, got {lookback}")
        if not lookback <= select_week <= weeks:
            raise _fail(
                path,
                "claim.select_week",
                f"expected lookback ({lookback}) <= select_week <= {weeks}, got {select_week}",
            )
        if among not in GROUP_POPULATIONS:
            raise _fail(path, "claim.among", f"expected everyone or complex, got {among!r}")
    if population == "persona":
        names = [p.name.lower() for p in Persona if p]
        if persona.lower() not in names:
            raise _fail(
                path, "claim.persona", f"unknown persona {persona!r} (known: {', '.join(names)})"
            )
    national = None
    if effect == "national" or "national" in data:
        n = _table(path, data, "national", _NATIONAL_KEYS)
        for key in ("count", "definition", "claimed_total"):
            if key not in n:
                raise _fail(path, f"national.{key}", "missing (national claims need it)")
        if not 0 < n["count"] <= 10**10:
            raise _fail(path, "national.count", f"expected 1 to 1e10 persons, got {n['count']}")
        if not 0 < n["claimed_total"] <= MAX_VALUE:
            raise _fail(
                path,
                "national.claimed_total",
                f"expected above 0 and at most {MAX_VALUE:g}, got {n['claimed_total']}",
            )
        national = National(n["count"], n["definition"], n["claimed_total"], n.get("source", ""))
        if effect == "national" and not math.isclose(value, n["claimed_total"]):
            raise _fail(
                path, "claim.value", "a national claim's value must equal national.claimed_total"
            )
    if effect == "national" and not METRICS[metric].is_cost:
        raise _fail(path, "claim.metric", "a national claim needs a cost metric")
    params = data.get("parameters", {})
    if not isinstance(params, Mapping):
        raise _fail(path, "parameters", "expected a table of parameter groups")
    try:
        Params().replace(**params)
    except ParamError as e:
        raise _fail(path, f"parameters.{e.key}", e.reason) from None
    screen = _screen(path, data.get("sensitivity", None))
    return Claim(
        id=c["id"],
        statement=c["statement"],
        source=c.get("source", ""),
        metric=metric,
        population=population,
        baseline=c["baseline"],
        intervention=c["intervention"],
        window=window,
        before=before,
        effect=effect,
        value=value,
        tolerance=tolerance,
        persons=persons,
        years=years,
        seeds=seeds,
        fraction=fraction,
        select_week=select_week,
        lookback=lookback,
        among=among,
        persona=persona.lower(),
        parameters=dict(params),
        screen=screen,
        screen_seeds=screen_seeds,
        national=national,
        notes=c.get("notes", ""),
        path=path,
    )


def _screen(path: str, table: Any) -> dict[str, tuple[float, float]]:
    if table is None:
        return dict(DEFAULT_SCREEN)
    if not isinstance(table, Mapping):
        raise _fail(path, "sensitivity", "expected a table: parameter = [low, high] multiples")
    out = {}
    for key, v in table.items():
        ok = (
            isinstance(v, list)
            and len(v) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
            and all(math.isfinite(x) and x >= 0 for x in v)
        )
        if not ok:
            raise _fail(path, f"sensitivity.{key}", f"expected [low, high] multiples, got {v!r}")
        if key.count(".") != 1:
            raise _fail(path, f"sensitivity.{key}", "expected group.name, e.g. trust.erode")
        out[key] = (float(v[0]), float(v[1]))
    return out


def load(path: str | Path) -> Claim:
    """Read and validate one claim file, resolving its scenarios and parameters."""
    p = Path(path)
    _, data = read_toml(p, ClaimError)
    claim = parse(data, str(p))
    arms(claim)  # resolve both scenarios now, so errors surface before any run
    for key, multiples in claim.screen.items():
        for m in multiples:
            _screen_params(claim, key, m)
    return claim


def _overrides(claim: Claim) -> dict[str, Any]:
    over: dict[str, Any] = {k: dict(v) for k, v in claim.parameters.items()}
    over.setdefault("population", {})["persons"] = claim.persons
    over.setdefault("run", {})["years"] = claim.years
    return over


def arms(claim: Claim, extra: Mapping[str, Any] | None = None) -> tuple[Params, Params]:
    """Parameters of the baseline and intervention arms (claim overrides applied)."""
    from carecomplex import scenarios

    over = _overrides(claim)
    if extra:
        over = merge(over, extra)
    out = []
    for key in ("baseline", "intervention"):
        near = Path(claim.path).parent if claim.path else None
        try:
            out.append(scenarios.load(scenarios.resolve(getattr(claim, key), near), over).params)
        except scenarios.ScenarioError as e:
            raise ClaimError(f"{claim.path}: claim.{key}: {e}") from None
    return out[0], out[1]


def _screen_params(
    claim: Claim, key: str, multiple: float, pair: tuple[Params, Params] | None = None
) -> tuple[Params, Params]:
    """Both arms with parameter ``key`` scaled by ``multiple``, each from its own value.

    Scaling each arm's own value matters for parameters the scenarios set differently
    (regime levers): x0 switches a lever off in both arms, x1 is the default point.
    ``pair`` is ``arms(claim)`` when the caller has it already.
    """
    group, name = key.split(".")
    out = []
    for arm in pair or arms(claim):
        try:
            value = getattr(getattr(arm, group), name)
        except AttributeError:
            raise ClaimError(f"{claim.path}: sensitivity.{key}: unknown parameter") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ClaimError(f"{claim.path}: sensitivity.{key}: not a numeric parameter")
        new = round(value * multiple) if isinstance(value, int) else value * multiple
        try:
            out.append(arm.replace(**{group: {name: new}}))
        except ParamError as e:
            raise ClaimError(
                f"{claim.path}: sensitivity.{key}: x{multiple:g} gives {new:g}: {e.reason}"
            ) from None
    return out[0], out[1]


# ---------------------------------------------------------------------------------
# Measuring one paired run


@dataclass(frozen=True)
class PairTask:
    """One seed of one claim at one parameter point: both arms, same seed."""

    claim: Claim
    seed: int
    point: str  # "default" or "<param>@<multiple>"
    baseline: Params
    intervention: Params


@dataclass
class ArmSeries:
    """Cumulative counts of one arm for the claim's population at the snapshot weeks.

    ``value`` is the metric (pounds or events), ``cashable`` its cashable part (costs),
    ``weeks`` the person-weeks alive; all cumulative from measured week 0.
    """

    value: np.ndarray
    cashable: np.ndarray
    weeks: np.ndarray


@dataclass
class PairResult:
    """What one paired run returns (small: a few hundred numbers)."""

    claim_id: str
    seed: int
    point: str
    snap: np.ndarray
    arms: tuple[ArmSeries, ArmSeries]
    cohort: int
    seconds: float


def snapshot_weeks(claim: Claim, every: int = 13) -> np.ndarray:
    """Weeks at which cumulative counts are taken: a quarterly grid plus every boundary."""
    marks = {0, claim.weeks, *claim.window, *claim.before}
    if claim.population == "top_cost":
        marks |= {claim.select_week, claim.select_week - claim.lookback}
    return np.array(sorted(set(range(0, claim.weeks + 1, every)) | marks), dtype=np.int64)


def _group_series(model: Any, metric: Metric, groups: tuple[int, ...], snap: np.ndarray):
    g = list(groups)
    if metric.is_cost:
        led = model.ledger[:, list(metric.items)][:, :, g].sum(axis=2)  # (W, items) pence
        weekly = led.sum(axis=1) / 100.0
        cash = led[:, CASHABLE[list(metric.items)]].sum(axis=1) / 100.0
    else:
        weekly = model.events[:, list(metric.events)][:, :, g].sum(axis=(1, 2)).astype(float)
        cash = np.zeros_like(weekly)
    alive = model.events[:, Event.ALIVE][:, g].sum(axis=1).astype(float)

    def cum(x: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(x)])[snap]

    return ArmSeries(cum(weekly), cum(cash), cum(alive))


def _person_snapshots(model: Any, metric: Metric, snap: np.ndarray) -> dict[str, np.ndarray]:
    """Run the model to the end, keeping per-person cumulative counts at ``snap``."""
    per = model.state.person
    n = len(per.pid)
    k = len(snap)
    out = {
        "value": np.zeros((k, n, max(1, len(metric.holders))), dtype=np.int64),
        "weeks": np.zeros((k, n), dtype=np.int32),
        "alive": np.zeros((k, n), dtype=bool),
    }
    while model.week < 0:
        model.step()
    i = 0
    while True:
        while i < k and snap[i] == model.week:
            if metric.is_cost:
                out["value"][i] = per.cost[:, list(metric.holders)]
            elif metric.name == "deaths":
                out["value"][i, :, 0] = ~per.alive.astype(bool) & (per.died_week >= 0)
            else:
                out["value"][i, :, 0] = per.crises
            out["weeks"][i] = per.weeks_alive
            out["alive"][i] = per.alive.astype(bool)
            i += 1
        if model.week >= model.n_weeks:
            break
        model.step()
    return out


def _holder_cashable_share(model: Any, metric: Metric) -> np.ndarray:
    """Cashable share of each holder's spending in this run (for cohort estimates)."""
    led = model.ledger.sum(axis=(0, 2)).astype(float)  # by item
    share = np.zeros(len(metric.holders))
    for j, h in enumerate(metric.holders):
        m = h == ITEM_HOLDER
        total = led[m].sum()
        share[j] = led[m & CASHABLE].sum() / total if total else 0.0
    return share


def measure(task: PairTask) -> PairResult:
    """Run both arms of one seed and return the population's cumulative series."""
    import time

    from carecomplex.model import CareModel

    t0 = time.perf_counter()
    claim = task.claim
    metric = METRICS[claim.metric]
    snap = snapshot_weeks(claim)
    models = [CareModel(task.baseline, rng=task.seed), CareModel(task.intervention, rng=task.seed)]
    if claim.population in GROUP_POPULATIONS:
        groups = GROUP_POPULATIONS[claim.population]
        series = []
        for m in models:
            m.run()
            series.append(_group_series(m, metric, groups, snap))
        cohort = int(np.isin(models[0].state.person.complex, groups).sum())
        return PairResult(
            claim.id,
            task.seed,
            task.point,
            snap,
            (series[0], series[1]),
            cohort,
            time.perf_counter() - t0,
        )
    snaps = [_person_snapshots(m, metric, snap) for m in models]
    per = models[0].state.person
    if claim.population == "persona":
        mask = per.persona == Persona[claim.persona.upper()]
    else:
        mask = _top_cost(claim, snap, snaps[0], per.complex)
    series = []
    for m, s in zip(models, snaps, strict=True):
        value = s["value"][:, mask, :]  # (k, cohort, holders)
        if metric.is_cost:
            pounds = value.sum(axis=1) / 100.0  # (k, holders)
            share = _holder_cashable_share(m, metric)
            total, cash = pounds.sum(axis=1), (pounds * share).sum(axis=1)
        else:
            total = value.sum(axis=(1, 2)).astype(float)
            cash = np.zeros_like(total)
        weeks = s["weeks"][:, mask].sum(axis=1).astype(float)
        series.append(ArmSeries(total, cash, weeks))
    return PairResult(
        claim.id,
        task.seed,
        task.point,
        snap,
        (series[0], series[1]),
        int(mask.sum()),
        time.perf_counter() - t0,
    )


def _top_cost(claim: Claim, snap: np.ndarray, s: dict, complex_: np.ndarray) -> np.ndarray:
    """The top ``fraction`` by cost over the look-back, alive at the selection week."""
    i1 = int(np.searchsorted(snap, claim.select_week))
    i0 = int(np.searchsorted(snap, claim.select_week - claim.lookback))
    cost = (s["value"][i1] - s["value"][i0]).sum(axis=1)
    eligible = s["alive"][i1] & np.isin(complex_, GROUP_POPULATIONS[claim.among])
    idx = np.flatnonzero(eligible)
    k = max(1, round(claim.fraction * len(idx)))
    # Highest cost first; ties broken by index so the choice is deterministic.
    order = idx[np.lexsort((idx, -cost[idx]))]
    mask = np.zeros(len(cost), dtype=bool)
    mask[order[:k]] = True
    return mask


# ---------------------------------------------------------------------------------
# Statistics


def _at(snap: np.ndarray, week: int) -> int:
    return int(np.searchsorted(snap, week))


def rate(
    series: ArmSeries, snap: np.ndarray, window: tuple[int, int], scale: float, part: str = "value"
) -> float:
    """Per person-year rate of the metric (or its cashable part) over ``window``."""
    a, b = _at(snap, window[0]), _at(snap, window[1])
    x = getattr(series, part)
    pw = series.weeks[b] - series.weeks[a]
    return float(scale * (x[b] - x[a]) / (pw / 52.0)) if pw > 0 else math.nan


def effect_of(claim: Claim, base: float, alt: float) -> float:
    """The claim's effect measure for two rates (baseline then intervention)."""
    if claim.effect == "ratio":
        return alt / base if base > 0 else math.nan
    if claim.effect == "difference":
        return alt - base
    saving = base - alt
    if claim.effect == "national":
        assert claim.national is not None
        return saving * claim.national.count
    return saving


def t_interval(x: Sequence[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean, two-sided t interval and n of the finite values of ``x``."""
    from carecomplex.runner import interval

    a = np.asarray(x, dtype=float)
    return (*interval(a, level), int(np.isfinite(a).sum()))


def p_holds(claim: Claim, x: Sequence[float]) -> float:
    """Probability that the expected effect meets the claim's bound (t posterior, flat prior)."""
    from scipy import stats

    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if len(a) < 2:
        return math.nan
    m, se = float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a)))
    if se == 0:
        meets = m <= claim.bound if claim.at_most else m >= claim.bound
        return 1.0 if meets else 0.0
    z = (claim.bound - m) / se
    cdf = float(stats.t.cdf(z, len(a) - 1))
    return cdf if claim.at_most else 1.0 - cdf


def verdict(claim: Claim, lo: float, hi: float, mean: float) -> tuple[str, str]:
    """Verdict and its reason in words.

    Supported if the whole 95 % interval meets the claim's bound, not supported if none of
    it does, otherwise inconclusive.
    """
    b = claim.bound
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive", "too few finite paired results for an interval"
    u = "£" if METRICS[claim.metric].is_cost and claim.effect != "ratio" else ""
    side = f"{'at most' if claim.at_most else 'at least'} {fmt(b, u)}"
    span = f"the model's 95 % interval [{fmt(lo, u)}, {fmt(hi, u)}]"
    if (claim.at_most and hi <= b) or (not claim.at_most and lo >= b):
        return "supported", f"{span} lies wholly within the claim ({side})"
    if (claim.at_most and lo > b) or (not claim.at_most and hi < b):
        return "not supported", f"{span} lies wholly outside the claim ({side})"
    return "inconclusive", f"{span} straddles the claim's bound ({side})"


def fmt(x: float | None, unit: str = "") -> str:
    """A number for people: millions and billions shortened, NaN as n/a.

    Money when ``unit`` starts with £.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    money = unit.startswith("£")
    sign, a = ("-" if x < 0 else ""), abs(x)
    pound = "£" if money else ""
    if a >= 1e9:
        return f"{sign}{pound}{a / 1e9:,.2f}bn"
    if a >= 1e6:
        return f"{sign}{pound}{a / 1e6:,.1f}m"
    if a >= 1000 or (money and a >= 10):
        return f"{sign}{pound}{a:,.0f}"
    if a >= 1:
        return f"{sign}{pound}{a:,.2f}"
    return f"{sign}{pound}{a:.3g}"


@dataclass
class Estimate:
    """A mean with its 95 % interval and the number of paired seeds."""

    mean: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, x: Sequence[float]) -> Estimate:
        """From per-seed values."""
        return cls(*t_interval(x))


@dataclass
class ScreenRow:
    """The effect and verdict with one parameter moved to one multiple of its value."""

    parameter: str
    multiple: float
    value: float
    effect: Estimate
    p_holds: float
    verdict: str
    moves_verdict: bool


@dataclass
class ClaimResult:
    """Everything the checker found for one claim."""

    claim: Claim
    effect: Estimate
    p_holds: float
    verdict: str
    reason: str
    rates: tuple[Estimate, Estimate]  # baseline, intervention per person-year in window
    before_after: tuple[Estimate, Estimate]  # naive effect in baseline and intervention arms
    cashable: Estimate | None
    non_cashable: Estimate | None
    national: Estimate | None
    trajectory: dict[str, np.ndarray]  # weeks, baseline/intervention mean rate per bin
    screen: list[ScreenRow]
    cohort: float
    seconds: float
    pairs: list[PairResult] = field(repr=False, default_factory=list)


def _per_seed(
    claim: Claim, pairs: Sequence[PairResult], window: tuple[int, int], part: str = "value"
) -> tuple[np.ndarray, np.ndarray]:
    scale = METRICS[claim.metric].scale
    b = np.array([rate(p.arms[0], p.snap, window, scale, part) for p in pairs])
    i = np.array([rate(p.arms[1], p.snap, window, scale, part) for p in pairs])
    return b, i


def effects(claim: Claim, pairs: Sequence[PairResult]) -> np.ndarray:
    """The claim's effect for each paired seed."""
    b, i = _per_seed(claim, pairs, claim.window)
    return np.array([effect_of(claim, x, y) for x, y in zip(b, i, strict=True)])


def _naive(claim: Claim, pairs: Sequence[PairResult], arm: int) -> np.ndarray:
    """Before-after on one arm: the claim's effect of 'before' window -> claim window."""
    scale = METRICS[claim.metric].scale
    out = []
    for p in pairs:
        before = rate(p.arms[arm], p.snap, claim.before, scale)
        after = rate(p.arms[arm], p.snap, claim.window, scale)
        out.append(effect_of(claim, before, after))
    return np.array(out)


def _trajectory(claim: Claim, pairs: Sequence[PairResult]) -> dict[str, np.ndarray]:
    """Mean rate per person-year in each snapshot interval, by arm, with 5-95 % bands."""
    scale = METRICS[claim.metric].scale
    if not pairs:
        return {}
    snap = pairs[0].snap
    spans = list(zip(snap[:-1].tolist(), snap[1:].tolist(), strict=True))
    out: dict[str, np.ndarray] = {"start": snap[:-1], "end": snap[1:]}
    per = {}
    for arm, name in ((0, "baseline"), (1, "intervention")):
        per[name] = np.array([[rate(p.arms[arm], p.snap, w, scale) for w in spans] for p in pairs])
        out[name] = np.nanmean(per[name], axis=0)
        out[f"{name}_lo"] = np.nanpercentile(per[name], 5, axis=0)
        out[f"{name}_hi"] = np.nanpercentile(per[name], 95, axis=0)
    out["difference"] = np.nanmean(per["intervention"] - per["baseline"], axis=0)
    return out


def summarise(
    claim: Claim, pairs: Sequence[PairResult], screen: list[ScreenRow], seconds: float
) -> ClaimResult:
    """Turn paired results into estimates, a verdict and its reason."""
    e = effects(claim, pairs)
    est = Estimate.of(e)
    v, reason = verdict(claim, est.lo, est.hi, est.mean)
    b, i = _per_seed(claim, pairs, claim.window)
    cash = non = None
    if METRICS[claim.metric].is_cost and claim.effect != "ratio":
        cb, ci = _per_seed(claim, pairs, claim.window, "cashable")
        sign = 1.0 if claim.effect == "difference" else -1.0
        cash = Estimate.of(sign * (ci - cb))
        non = Estimate.of(sign * ((i - ci) - (b - cb)))
    nat = None
    if claim.national is not None:
        nat = Estimate.of((b - i) * claim.national.count)
    return ClaimResult(
        claim=claim,
        effect=est,
        p_holds=p_holds(claim, e),
        verdict=v,
        reason=reason,
        rates=(Estimate.of(b), Estimate.of(i)),
        before_after=(Estimate.of(_naive(claim, pairs, 0)), Estimate.of(_naive(claim, pairs, 1))),
        cashable=cash,
        non_cashable=non,
        national=nat,
        trajectory=_trajectory(claim, pairs),
        screen=screen,
        cohort=float(np.mean([p.cohort for p in pairs])) if pairs else math.nan,
        seconds=seconds,
        pairs=list(pairs),
    )


# ---------------------------------------------------------------------------------
# Running


def tasks(claim: Claim, screen: bool = True) -> list[PairTask]:
    """Every paired run a claim needs: all seeds at the defaults, then the screen."""
    base, alt = arms(claim)
    out = [PairTask(claim, s, "default", base, alt) for s in claim.seeds]
    if screen:
        for key, (lo, hi) in claim.screen.items():
            for mult in (lo, hi):
                b, a = _screen_params(claim, key, mult, (base, alt))
                point = f"{key}@{mult:g}"
                out += [PairTask(claim, s, point, b, a) for s in claim.seeds[: claim.screen_seeds]]
    return out


def _screen_rows(claim: Claim, default: str, by_point: Mapping[str, list[PairResult]]):
    rows = []
    _, alt = arms(claim)
    for key, (lo, hi) in claim.screen.items():
        group, name = key.split(".")
        value = getattr(getattr(alt, group), name)  # the intervention arm's value
        for mult in (lo, hi):
            pairs = by_point.get(f"{key}@{mult:g}", [])
            e = effects(claim, pairs)
            est = Estimate.of(e)
            v, _ = verdict(claim, est.lo, est.hi, est.mean)
            rows.append(ScreenRow(key, mult, value * mult, est, p_holds(claim, e), v, v != default))
    rows.sort(key=lambda r: -abs(r.effect.mean - _default_mean(by_point, claim)))
    return rows


def _default_mean(by_point: Mapping[str, list[PairResult]], claim: Claim) -> float:
    e = effects(claim, by_point.get("default", []))
    e = e[np.isfinite(e)]
    return float(e.mean()) if len(e) else 0.0


def check(
    claims: Sequence[Claim],
    executor: Executor | None = None,
    screen: bool = True,
    progress: Callable[[PairResult], None] | None = None,
) -> list[ClaimResult]:
    """Run every paired run the claims need (on ``executor`` if given) and summarise."""
    work = [t for c in claims for t in tasks(c, screen)]
    if executor is None:
        results = []
        for t in work:
            r = measure(t)
            results.append(r)
            if progress:
                progress(r)
    else:
        from concurrent.futures import as_completed

        futures = [executor.submit(measure, t) for t in work]
        for f in as_completed(futures):
            if progress:
                progress(f.result())
        results = [f.result() for f in futures]
    out = []
    for c in claims:
        by_point: dict[str, list[PairResult]] = {}
        for r in results:
            if r.claim_id == c.id:
                by_point.setdefault(r.point, []).append(r)
        for v in by_point.values():
            v.sort(key=lambda r: r.seed)
        default = by_point.get("default", [])
        e = Estimate.of(effects(c, default))
        v, _ = verdict(c, e.lo, e.hi, e.mean)
        rows = _screen_rows(c, v, by_point) if screen else []
        secs = sum(r.seconds for rs in by_point.values() for r in rs)
        out.append(summarise(c, default, rows, secs))
    return out


def with_parameters(claim: Claim, extra: Mapping[str, Mapping[str, Any]]) -> Claim:
    """A copy of ``claim`` with more parameter overrides (e.g. one the screen named)."""
    params = merge({k: dict(v) for k, v in claim.parameters.items()}, extra)
    new = replace(claim, parameters=params)
    try:
        arms(new)
    except ParamError as e:  # pragma: no cover - arms() converts these already
        raise ClaimError(f"{claim.path}: parameters: {e}") from None
    return new
