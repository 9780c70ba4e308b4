"""What a claim file says, validated: the claim, its population, metric and windows.

:func:`load` reads a claim file (``experiments/claims/*.toml``) and :func:`parse`
checks it, one section at a time; any problem raises
:class:`~carecomplex.errors.ClaimError` naming the file and the key. :func:`arms`
resolves the two scenarios the claim compares, with its overrides applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from carecomplex import scenarios
from carecomplex.claims import cohorts
from carecomplex.claims.appraisal import Appraisal, parse_appraisal
from carecomplex.costs import ITEMS, UNIT_COSTS, Holder, Item
from carecomplex.errors import ClaimError, ParamError, ScenarioError
from carecomplex.inputs import SAFE_NAME, read_toml
from carecomplex.params import Params, merge
from carecomplex.state import Event, Persona

POPULATIONS = (
    "everyone",
    "complex",
    "general",
    "top_cost",
    "persona",
    "household",
    "family",
    "cohort",
)
"""Who a claim is about: groups (everyone, complex, general: the non-complex group) are
counted from the weekly tables; the others are cohorts followed person by person
(``top_cost``, ``household``, ``family`` and ``cohort`` are chosen at ``select_week``)."""
GROUP_POPULATIONS = {"everyone": (0, 1), "complex": (1,), "general": (0,)}
COMBINE = ("all", "any")
APPLY_TO = ("everyone", "cohort")
EFFECTS = ("ratio", "difference", "saving", "national")
CRISIS_EVENTS = (Event.CRISIS_AE, Event.CRISIS_ADMISSION, Event.CRISIS_CUSTODY, Event.CRISIS_MH)
CRISIS_KIND_METRICS = {
    "ae": Event.CRISIS_AE,
    "admissions": Event.CRISIS_ADMISSION,
    "custody": Event.CRISIS_CUSTODY,
    "mh_crises": Event.CRISIS_MH,
}
"""Metrics of one crisis kind each (per person-year), person-level like ``crises``."""


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
    # One kind of crisis each (an A&E attendance that ends in admission counts as an
    # admission: ae + admissions is every crisis attendance at A&E).
    for name, event in CRISIS_KIND_METRICS.items():
        out[name] = Metric(name, "per person-year", 1.0, True, events=(int(event),))
    out["deaths"] = Metric("deaths", "per 100 person-years", 100.0, True, events=(Event.DEATH,))
    out["avoidable_deaths"] = Metric(
        "avoidable_deaths", "per 100 person-years", 100.0, False, events=(Event.CRISIS_DEATH,)
    )
    out["ea_weeks"] = Metric(
        "ea_weeks", "weeks per person-year", 1.0, True, events=(Event.EA_WEEK,)
    )
    return out


METRICS = _metrics()

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


@dataclass(frozen=True)
class National:
    """A national extrapolation: a prevalence count, its definition and the total claimed."""

    count: int
    definition: str
    claimed_total: float
    source: str = ""


@dataclass(frozen=True)
class Observed:
    """A local programme's own before/after figures for the claim's cohort (``[observed]``).

    ``before`` and ``after`` are the cohort's levels of the claim's metric, in its unit,
    over windows matching the claim's ``before`` and ``window``; ``rule`` says how the
    programme chose its people (the claim's population is the model's encoding of it).
    """

    source: str
    rule: str
    before: float
    after: float
    persons: int = 0
    interval: tuple[float, float] | None = None  # of the observed effect, if published


_OBSERVED_KEYS = {
    "source": str,
    "rule": str,
    "before": float,
    "after": float,
    "persons": int,
    "interval": list,
}


def _observed(path: str, data: Mapping[str, Any]) -> Observed | None:
    """The optional ``[observed]`` table."""
    if "observed" not in data:
        return None
    o = _table(path, data, "observed", _OBSERVED_KEYS)
    for key in ("source", "rule", "before", "after"):
        if key not in o:
            raise _fail(path, f"observed.{key}", "missing (observed data need it)")
    for key in ("before", "after"):
        if not 0 <= o[key] <= MAX_VALUE:
            raise _fail(path, f"observed.{key}", f"expected 0 to {MAX_VALUE:g}, got {o[key]}")
    persons = o.get("persons", 0)
    if not 0 <= persons <= 10**9:
        raise _fail(path, "observed.persons", f"expected 1 to 1e9 persons, got {persons}")
    interval = o.get("interval")
    if interval is not None:
        ok = (
            len(interval) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in interval)
            and all(math.isfinite(x) for x in interval)
            and interval[0] <= interval[1]
        )
        if not ok:
            raise _fail(path, "observed.interval", f"expected [low, high], got {interval!r}")
        interval = (float(interval[0]), float(interval[1]))
    return Observed(o["source"], o["rule"], o["before"], o["after"], persons, interval)


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
    rules: tuple[str, ...] = ()  # cohort rules (cohorts.RULES); ("top_cost",) for top_cost
    combine: str = "all"  # how several rules combine: "all" or "any"
    eviction_need: float | None = None  # rule thresholds; None: the model's parameter
    housing_need: float | None = None
    mental_need: float | None = None
    apply_to: str = "everyone"  # "cohort": the intervention's levers for the cohort only
    parameters: Mapping[str, Any] = field(default_factory=dict)
    arm_parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    encodings: tuple[tuple[str, str], ...] = ()
    claimed_baseline: float | None = None
    overridden: Mapping[str, Any] = field(default_factory=dict)  # by the command line
    observed: Observed | None = None
    screen: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    screen_seeds: int = 5
    national: National | None = None
    notes: str = ""
    path: str = ""
    appraisal: Appraisal = field(default_factory=Appraisal)

    @property
    def is_cohort(self) -> bool:
        """True for populations followed as a fixed cohort (persons chosen once)."""
        return self.population not in GROUP_POPULATIONS

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
    "baseline": (str, list),
    "intervention": (str, list),
    "claimed_baseline": float,
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
    "rule": (str, list),
    "combine": str,
    "eviction_need": float,
    "housing_need": float,
    "mental_need": float,
    "apply_to": str,
}
_RUN_KEYS = {"persons": int, "years": float, "seeds": (int, list), "screen_seeds": int}
_NATIONAL_KEYS = {"count": int, "definition": str, "claimed_total": float, "source": str}
_TOP = {"claim", "run", "national", "parameters", "sensitivity", "observed", "appraisal"}


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


REQUIRED = ("id", "statement", "metric", "population", "baseline", "intervention", "window")
REQUIRED += ("effect", "value")


MAX_ENCODINGS = 6


def _names(path: str, key: str, value: str | list) -> list[str]:
    """One scenario name, or a list of alternatives (the first is the claim's own)."""
    names = [value] if isinstance(value, str) else value
    if not names or not all(isinstance(n, str) and n for n in names):
        raise _fail(path, key, f"expected a scenario name or a list of names, got {value!r}")
    if len(set(names)) != len(names):
        raise _fail(path, key, "scenario names repeat")
    return names


def _encodings(path: str, c: Mapping[str, Any]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(baseline, intervention, alternatives): the claim's encoding and the others listed.

    ``baseline`` and ``intervention`` may each list alternative scenarios; the first of
    each is the claim's own encoding, and every other pairing is checked beside it.
    """
    bases = _names(path, "claim.baseline", c["baseline"])
    alts = _names(path, "claim.intervention", c["intervention"])
    pairs = [(b, a) for b in bases for a in alts]
    if len(pairs) > MAX_ENCODINGS:
        raise _fail(
            path,
            "claim.intervention",
            f"{len(pairs)} encodings (baselines x interventions); at most {MAX_ENCODINGS}",
        )
    return bases[0], alts[0], tuple(pairs[1:])


def _run(path: str, run: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[run]`` section: persons, years (and measured weeks), seeds, screen seeds."""
    persons = run.get("persons", 4000)
    if not 50 <= persons <= 1_000_000:
        raise _fail(path, "run.persons", f"expected 50 to 1000000 persons, got {persons}")
    years = run.get("years", 5.0)
    if not 0.1 <= years <= 50:
        raise _fail(path, "run.years", f"expected 0.1 to 50 years, got {years}")
    seeds = _seeds(path, run.get("seeds", 10))
    screen_seeds = run.get("screen_seeds", min(5, len(seeds)))
    if not 2 <= screen_seeds <= len(seeds):
        raise _fail(path, "run.screen_seeds", f"expected 2 to {len(seeds)}, got {screen_seeds}")
    weeks = max(1, round(years * 52))
    return {"persons": persons, "years": years, "weeks": weeks, "seeds": seeds} | {
        "screen_seeds": screen_seeds
    }


def _known(path: str, key: str, value: str, known: Any, what: str) -> str:
    if value not in known:
        raise _fail(path, key, f"unknown {what} {value!r} (known: {', '.join(known)})")
    return value


def _measure(path: str, c: Mapping[str, Any]) -> tuple[str, str, str]:
    """(metric, population, effect), each known, and the metric countable for the population."""
    metric = _known(path, "claim.metric", c["metric"], METRICS, "metric")
    population = _known(path, "claim.population", c["population"], POPULATIONS, "population")
    if population not in GROUP_POPULATIONS and not METRICS[metric].person_level:
        person_level = [m for m, v in METRICS.items() if v.person_level]
        raise _fail(
            path,
            "claim.metric",
            f"{metric} is counted by group only; population "
            f"{population} needs one of {', '.join(person_level)}",
        )
    effect = _known(path, "claim.effect", c["effect"], EFFECTS, "effect")
    return metric, population, effect


def _value(path: str, c: Mapping[str, Any], effect: str) -> tuple[float, float]:
    """(value, tolerance): the claimed effect, of a sign its kind allows, and the slack."""
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
    return value, tolerance


def _windows(path: str, c: Mapping[str, Any], weeks: int) -> tuple[tuple[int, int], ...]:
    """(window, before): the claim's window and the one before it (naive comparison)."""
    window = _window(path, "claim.window", c["window"], weeks)
    if "before" in c:
        return window, _window(path, "claim.before", c["before"], weeks)
    if window[0] == 0:
        raise _fail(
            path,
            "claim.window",
            "starts at week 0, so there is no 'before' window; start it later or give claim.before",
        )
    span = window[1] - window[0]
    return window, (max(0, window[0] - span), window[0])


def _rules(path: str, c: Mapping[str, Any], population: str) -> tuple[str, ...]:
    """The cohort's rules: ``claim.rule`` (a name or a list) for ``population = "cohort"``."""
    rule = c.get("rule")
    if "combine" in c and not isinstance(rule, list):
        raise _fail(path, "claim.combine", "needs a list of rules in claim.rule")
    _known(path, "claim.combine", c.get("combine", "all"), COMBINE, "combine")
    if population == "top_cost":
        if rule is not None:
            raise _fail(path, "claim.rule", "only for population = cohort (top_cost is its rule)")
        return ("top_cost",)
    if population != "cohort":
        if rule is not None:
            raise _fail(path, "claim.rule", f"only for population = cohort, not {population}")
        return ()
    known = tuple(cohorts.RULES)
    if rule is None:
        raise _fail(path, "claim.rule", f"missing (population = cohort needs one of {known})")
    rules = [rule] if isinstance(rule, str) else rule
    if not rules or not all(isinstance(r, str) for r in rules):
        raise _fail(path, "claim.rule", f"expected a rule or a list of rules, got {rule!r}")
    for r in rules:
        _known(path, "claim.rule", r, known, "rule")
    if len(set(rules)) != len(rules):
        raise _fail(path, "claim.rule", f"rules repeat: {rule!r}")
    return tuple(rules)


def _selection(path: str, out: dict[str, Any], weeks: int) -> None:
    """Checks of a population chosen at ``select_week``: fraction, look-back, week, among."""
    fraction, select_week, lookback = out["fraction"], out["select_week"], out["lookback"]
    if "top_cost" in out["rules"] and not 0 < fraction <= 1:
        raise _fail(path, "claim.fraction", f"expected 0 < fraction <= 1, got {fraction}")
    if any(r in cohorts.LOOKBACK_RULES for r in out["rules"]):
        if not 1 <= lookback <= weeks:
            raise _fail(path, "claim.lookback", f"expected 1 to {weeks} weeks, got {lookback}")
        if not lookback <= select_week <= weeks:
            raise _fail(
                path,
                "claim.select_week",
                f"expected lookback ({lookback}) <= select_week <= {weeks}, got {select_week}",
            )
    elif not 0 <= select_week <= weeks:
        raise _fail(path, "claim.select_week", f"expected 0 to {weeks}, got {select_week}")
    if out["among"] not in GROUP_POPULATIONS:
        raise _fail(
            path,
            "claim.among",
            f"expected one of {', '.join(GROUP_POPULATIONS)}, got {out['among']!r}",
        )


def _thresholds(path: str, c: Mapping[str, Any], rules: tuple[str, ...]) -> dict[str, Any]:
    """The rules' thresholds given (need, 0 to 1), each only with its rule."""
    out: dict[str, Any] = {}
    for key, (rule, default) in cohorts.THRESHOLDS.items():
        if key not in c:
            continue
        if rule not in rules:
            raise _fail(path, f"claim.{key}", f"only used by rule {rule} (default {default})")
        if not 0 <= c[key] <= 1:
            raise _fail(path, f"claim.{key}", f"expected a need from 0 to 1, got {c[key]}")
        out[key] = c[key]
    return out


def _apply_to(path: str, c: Mapping[str, Any], population: str) -> str:
    """Who gets the intervention: everyone (a regime switch) or only the cohort followed."""
    apply_to = _known(path, "claim.apply_to", c.get("apply_to", "everyone"), APPLY_TO, "apply_to")
    if apply_to == "cohort":
        if population in GROUP_POPULATIONS:
            raise _fail(
                path, "claim.apply_to", f"cohort needs a cohort population, not {population}"
            )
        from carecomplex.model import CareModel  # numba: imported only when needed

        if not hasattr(CareModel, "enrol"):
            raise _fail(
                path,
                "claim.apply_to",
                "cohort needs the model's enrolment API (CareModel.enrol), not in this version",
            )
    return apply_to


def _cohort(
    path: str, c: Mapping[str, Any], population: str, start: int, weeks: int
) -> dict[str, Any]:
    """Who is followed and how they were chosen (at ``start`` by default), and who is treated.

    ``top_cost`` is a cohort with the one rule ``top_cost``; ``cohort`` names its rules
    (:mod:`carecomplex.claims.cohorts`); ``household`` and ``family`` are the Think Family
    populations; ``persona`` a named persona.
    """
    out = {
        "fraction": c.get("fraction", 0.1),
        "select_week": c.get("select_week", start),
        "lookback": c.get("lookback", 52),
        "among": c.get("among", "everyone"),
        "persona": c.get("persona", ""),
        "rules": _rules(path, c, population),
        "combine": c.get("combine", "all"),
    }
    if population in cohorts.SELECTED:
        _selection(path, out, weeks)
    if population == "persona":
        names = [p.name.lower() for p in Persona if p]
        if out["persona"].lower() not in names:
            raise _fail(
                path,
                "claim.persona",
                f"unknown persona {out['persona']!r} (known: {', '.join(names)})",
            )
        if not 0 <= out["select_week"] <= weeks:
            raise _fail(
                path, "claim.select_week", f"expected 0 to {weeks}, got {out['select_week']}"
            )
    out |= _thresholds(path, c, out["rules"])
    out["apply_to"] = _apply_to(path, c, population)
    return out | {"persona": out["persona"].lower()}


def _national(
    path: str, data: Mapping[str, Any], effect: str, value: float, metric: str
) -> National | None:
    """The ``[national]`` extrapolation (required by ``effect = "national"``)."""
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
    return national


ARMS = ("baseline", "intervention")


def _parameters(path: str, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``[parameters]`` overrides: of both arms, and of one arm.

    ``[parameters.<group>]`` sets both arms; ``[parameters.baseline.<group>]`` and
    ``[parameters.intervention.<group>]`` set one arm only (applied after the shared ones).
    Each is checked against the defaults.
    """
    params = data.get("parameters", {})
    if not isinstance(params, Mapping):
        raise _fail(path, "parameters", "expected a table of parameter groups")
    shared = {k: v for k, v in params.items() if k not in ARMS}
    per_arm = {k: params[k] for k in ARMS if k in params}
    for prefix, table in [("parameters", shared)] + [
        (f"parameters.{k}", v) for k, v in per_arm.items()
    ]:
        if not isinstance(table, Mapping):
            raise _fail(path, prefix, "expected a table of parameter groups")
        try:
            Params().replace(**table)
        except ParamError as e:
            raise _fail(path, f"{prefix}.{e.key}", e.reason) from None
    return dict(shared), {k: dict(v) for k, v in per_arm.items()}


def parse(data: Mapping[str, Any], path: str = "<claim>") -> Claim:
    """Validate a parsed claim file; raises :class:`ClaimError` naming the key."""
    for k in data:
        if k not in _TOP:
            raise _fail(path, k, f"unknown table (known: {', '.join(sorted(_TOP))})")
    c = _table(path, data, "claim", _CLAIM_KEYS)
    run_table = _table(path, data, "run", _RUN_KEYS)
    for key in (k for k in REQUIRED if k not in c):
        raise _fail(path, f"claim.{key}", "missing")
    if not SAFE_NAME.fullmatch(c["id"]):
        raise _fail(
            path, "claim.id", "expected a name of letters, digits, '_', '.' or '-' (at most 64)"
        )
    run = _run(path, run_table)
    metric, population, effect = _measure(path, c)
    value, tolerance = _value(path, c, effect)
    window, before = _windows(path, c, run["weeks"])
    cohort = _cohort(path, c, population, window[0], run["weeks"])
    national = _national(path, data, effect, value, metric)
    parameters, arm_parameters = _parameters(path, data)
    baseline, intervention, encodings = _encodings(path, c)
    claimed_baseline = c.get("claimed_baseline")
    if claimed_baseline is not None and not 0 < claimed_baseline <= MAX_VALUE:
        raise _fail(
            path,
            "claim.claimed_baseline",
            f"expected above 0 and at most {MAX_VALUE:g} (the metric's unit), "
            f"got {claimed_baseline}",
        )
    return Claim(
        id=c["id"],
        statement=c["statement"],
        source=c.get("source", ""),
        metric=metric,
        population=population,
        baseline=baseline,
        intervention=intervention,
        encodings=encodings,
        claimed_baseline=claimed_baseline,
        arm_parameters=arm_parameters,
        window=window,
        before=before,
        effect=effect,
        value=value,
        tolerance=tolerance,
        persons=run["persons"],
        years=run["years"],
        seeds=run["seeds"],
        screen_seeds=run["screen_seeds"],
        **cohort,
        parameters=parameters,
        screen=_screen(path, data.get("sensitivity", None)),
        national=national,
        observed=_observed(path, data),
        notes=c.get("notes", ""),
        path=path,
        appraisal=parse_appraisal(path, data.get("appraisal")),
    )


def _screen(path: str, table: Any) -> dict[str, tuple[float, float]]:
    """The ``[sensitivity]`` table: parameter = [low, high] multiples of its value.

    A unit cost is screened as ``"costs.<row>" = "range"`` (its published low and high,
    as multiples of its value) or by multiples like any parameter.
    """
    if table is None:
        return dict(DEFAULT_SCREEN)
    if not isinstance(table, Mapping):
        raise _fail(path, "sensitivity", "expected a table: parameter = [low, high] multiples")
    out = {}
    for key, v in table.items():
        if key.startswith("costs."):
            row = UNIT_COSTS.get(key.removeprefix("costs."))
            if row is None:
                raise _fail(
                    path,
                    f"sensitivity.{key}",
                    f"unknown unit cost (known: {', '.join(sorted(UNIT_COSTS))})",
                )
            if v == "range":
                out[key] = (row.low / row.value, row.high / row.value)
                continue
        elif v == "range":
            raise _fail(path, f"sensitivity.{key}", "'range' is for unit costs (costs.<row>)")
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
    for encoding in claim.encodings:
        arms(claim, encoding=encoding)
    for key, multiples in claim.screen.items():
        for m in multiples:
            screen_params(claim, key, m)
    return claim


def _overrides(claim: Claim, arm: str) -> dict[str, Any]:
    over: dict[str, Any] = {k: dict(v) for k, v in claim.parameters.items()}
    over = merge(over, {k: dict(v) for k, v in claim.arm_parameters.get(arm, {}).items()})
    over.setdefault("population", {})["persons"] = claim.persons
    over.setdefault("run", {})["years"] = claim.years
    return over


def arms(
    claim: Claim,
    extra: Mapping[str, Any] | None = None,
    encoding: tuple[str, str] | None = None,
) -> tuple[Params, Params]:
    """Parameters of the baseline and intervention arms (claim overrides applied).

    ``encoding`` names another (baseline, intervention) pair of scenarios than the
    claim's own (one of :attr:`Claim.encodings`); the overrides apply the same way.
    """
    names = encoding or (claim.baseline, claim.intervention)
    out = []
    for key, name in zip(ARMS, names, strict=True):
        over = _overrides(claim, key)
        if extra:
            over = merge(over, extra)
        near = Path(claim.path).parent if claim.path else None
        try:
            out.append(scenarios.load(scenarios.resolve(name, near), over).params)
        except ScenarioError as e:
            raise ClaimError(f"{claim.path}: claim.{key}: {e}") from None
    return out[0], out[1]


def param_value(params: Params, key: str) -> float:
    """The value of ``group.name`` (or a unit cost, ``costs.<row>``) in ``params``."""
    group, name = key.split(".")
    if group == "costs":
        return params.costs.get(name, UNIT_COSTS[name].value)
    return getattr(getattr(params, group), name)


def screen_params(
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
        if group == "costs":
            value = arm.costs.get(name, UNIT_COSTS[name].value)
            change: dict[str, Any] = {"costs": dict(arm.costs) | {name: value * multiple}}
        else:
            try:
                value = getattr(getattr(arm, group), name)
            except AttributeError:
                raise ClaimError(f"{claim.path}: sensitivity.{key}: unknown parameter") from None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ClaimError(f"{claim.path}: sensitivity.{key}: not a numeric parameter")
            new = round(value * multiple) if isinstance(value, int) else value * multiple
            change = {group: {name: new}}
        try:
            out.append(arm.replace(**change))
        except ParamError as e:
            raise ClaimError(
                f"{claim.path}: sensitivity.{key}: x{multiple:g} gives "
                f"{value * multiple:g}: {e.reason}"
            ) from None
    return out[0], out[1]


def with_parameters(claim: Claim, extra: Mapping[str, Mapping[str, Any]]) -> Claim:
    """A copy of ``claim`` with more parameter overrides (e.g. one the screen named)."""
    params = merge({k: dict(v) for k, v in claim.parameters.items()}, extra)
    new = replace(claim, parameters=params)
    try:
        arms(new)
    except ParamError as e:  # pragma: no cover - arms() converts these already
        raise ClaimError(f"{claim.path}: parameters: {e}") from None
    return new
