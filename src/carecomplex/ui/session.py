"""Per-session state of the web UI: what the user typed, and the two paired models.

Nothing here imports Solara, so it is tested like any other module. A browser session
owns one :class:`Session` (created inside the page component, never at module level);
the session owns two :class:`~carecomplex.model.CareModel` runs built from two
scenarios with the same seed and one burn-in: arm B is arm A's branch at week 0
(:meth:`~carecomplex.model.CareModel.branch`). The model's random draws are
counter-based, so the two arms share every life event (common random numbers): what
differs on screen is the regime, not the noise.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carecomplex.errors import ParamError, ScenarioError
from carecomplex.model import CareModel
from carecomplex.params import Params, RegimeLevers, coerce, describe
from carecomplex.scenarios import BUILTIN, load
from carecomplex.state import Persona

SCENARIOS = sorted(p.stem for p in BUILTIN.glob("*.toml"))
PERSONS_RANGE = (200, 20_000)  # UI-sized populations; the CLI does the big runs
SEED_MAX = 2**63 - 1
UI_YEARS = 5.0
SAMPLE = 24  # complex-needs persons followed in the network and journey views
# World parameters (uncertainties) offered in the UI; both arms get the same values.
WORLD = (
    "workforce.turnover",
    "trust.build",
    "trust.erode",
    "crisis.trust_protection",
    "capacity.workers_per_1000",
    "capacity.caseload",
    "life.shock_rate",
    "learning.rate",
)
META = {f"{r['group']}.{r['name']}": r for r in describe()}
LEVERS = [f.name for f in dataclasses.fields(RegimeLevers)]


def lever_meta(name: str) -> dict[str, Any]:
    """Range, unit and meaning of a regime lever."""
    return META[f"regime.{name}"]


def scenario_levers(name: str) -> dict[str, float]:
    """The regime levers a built-in scenario runs under (after the switch, for a transition)."""
    p = load(name).params
    return dataclasses.asdict(p.after if p.transition.week >= 0 else p.regime)


@dataclass(frozen=True)
class Draft:
    """The controls as the user left them (text fields hold raw text)."""

    base: str = "siloed"
    alt: str = "alliance"
    seed: str = "1"
    persons: str = "2000"
    levers: dict[str, float] = field(default_factory=lambda: scenario_levers("alliance"))
    world: dict[str, str] = field(
        default_factory=lambda: {k: f"{META[k]['default']:g}" for k in WORLD}
    )

    def with_(self, **changes: Any) -> Draft:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Settings:
    """Validated settings: everything needed to build the paired run."""

    base: str
    alt: str
    seed: int
    base_params: Params
    alt_params: Params


def parse_seed(text: str | None) -> int:
    """A seed from what a user typed: ``" 42 "``, ``"1,000"``, ``"7.0"``; else ValueError."""
    t = (text or "").strip().replace(",", "").replace("_", "").replace(" ", "")
    if not t:
        raise ValueError("Enter a seed: a whole number such as 1 or 42.")
    try:
        v = float(t) if any(c in t for c in ".eE") else int(t)
    except ValueError:
        raise ValueError(f"Seed must be a whole number, not {text.strip()!r}.") from None
    if isinstance(v, float) and not (math.isfinite(v) and v.is_integer()):
        raise ValueError(f"Seed must be a whole number, not {text.strip()!r}.")
    if not 0 <= v <= SEED_MAX:
        raise ValueError(f"Seed must be between 0 and {SEED_MAX}.")
    return int(v)


def parse_number(key: str, text: str | None) -> float | int:
    """A parameter value typed as text, checked against its declared range."""
    m = META[key]
    allowed = f"allowed {m['lo']:g} to {m['hi']:g} {m['unit']}"
    t = (text or "").strip().replace(",", "")
    if not t:
        raise ValueError(f"Enter a number ({allowed}).")
    try:
        v = float(t)
    except ValueError:
        raise ValueError(f"{t!r} is not a number ({allowed}).") from None
    f = next(f for f in dataclasses.fields(Params) if f.name == m["group"])
    cls = f.default_factory  # the group's dataclass
    fld = next(x for x in dataclasses.fields(cls) if x.name == m["name"])
    try:
        return coerce(key, int(v) if v.is_integer() and fld.type in ("int", int) else v, fld)
    except ParamError as e:
        raise ValueError(e.reason[0].upper() + e.reason[1:] + ".") from None


def validate(d: Draft) -> tuple[Settings | None, dict[str, str]]:
    """Check a draft; return settings, or None and a message per bad field."""
    errors: dict[str, str] = {}
    seed = persons = None
    try:
        seed = parse_seed(d.seed)
    except ValueError as e:
        errors["seed"] = str(e)
    lo, hi = PERSONS_RANGE
    range_msg = f"The web UI runs {lo:,} to {hi:,} persons (use the CLI for more)."
    try:
        typed = float((d.persons or "").strip().replace(",", "").replace("_", ""))
    except ValueError:
        typed = math.nan
    if math.isfinite(typed) and typed.is_integer() and not lo <= typed <= hi:
        errors["persons"] = range_msg  # "1e9" is a whole number, out of range
    else:
        try:
            persons = int(parse_number("population.persons", d.persons))
        except ValueError:
            errors["persons"] = f"Enter a whole number of persons from {lo:,} to {hi:,}."
        else:
            if not lo <= persons <= hi:
                errors["persons"] = range_msg
    world: dict[str, dict[str, float]] = {}
    for key, text in d.world.items():
        try:
            group, name = key.split(".")
            world.setdefault(group, {})[name] = parse_number(key, text)
        except ValueError as e:
            errors[key] = str(e)
    if errors:
        return None, errors
    common = {**world, "population": {"persons": persons}, "run": {"years": UI_YEARS}}
    try:
        base = load(d.base, common).params
        alt = load(d.alt, common).params
        # The levers are where arm B works; for a transition, where it is heading.
        alt = alt.replace(**{"after" if alt.transition.week >= 0 else "regime": d.levers})
    except (ScenarioError, ParamError) as e:
        return None, {"scenario": str(e)}
    return Settings(d.base, d.alt, seed, base, alt), {}


class Arm:
    """One model of the pair, with a per-week record for the journey view."""

    def __init__(
        self,
        label: str,
        params: Params,
        seed: int,
        sample: np.ndarray,
        names: list[str],
        *,
        source: CareModel | None = None,
    ):
        """Build the arm's model and run its burn-in (not shown).

        With ``source`` (a model at week 0, the other arm's), the arm does not run a
        burn-in of its own: its model is ``source.branch(params)``, the same system at
        week 0 that runs under ``params`` from then on (a shared burn-in). ``seed`` is
        then the source's.
        """
        self.label = label
        self.names = names
        if source is None:
            self.model = CareModel(params, seed)
            while self.model.week < 0:  # burn-in, not shown
                self.model.step()
        else:
            if source.week != 0 or source.seed != seed:
                raise ValueError(
                    f"Arm: a shared burn-in branches a model at week 0 with the same seed "
                    f"(source at week {source.week}, seed {source.seed}; seed {seed})"
                )
            self.model = source.branch(params)
        self.sample = sample
        n = self.model.n_weeks
        k = len(sample)
        self.j_cost = np.zeros((n, k))  # pounds spent that week
        self.j_crises = np.zeros((n, k), dtype=np.int32)  # cumulative crises
        self.j_trust = np.zeros((n, k))
        self.j_services = np.full((n, k, 3), -1, dtype=np.int8)
        self.j_alive = np.zeros((n, k), dtype=bool)
        self._last_cost = np.zeros(k)

    def step(self) -> None:
        """One week, then record the followed persons."""
        m = self.model
        w = m.week
        m.step()
        p, i = m.state.person, self.sample
        cost = p.cost[i].sum(axis=1) / 100.0
        self.j_cost[w] = cost - self._last_cost
        self._last_cost = cost
        self.j_crises[w] = p.crises[i]
        open_ = p.slot_service[i] >= 0
        self.j_trust[w] = np.where(open_, p.slot_trust[i], 0.0).max(axis=1)
        self.j_trust[w][~open_.any(axis=1)] = p.sys_trust[i][~open_.any(axis=1)]
        self.j_services[w] = p.slot_service[i]
        self.j_alive[w] = p.alive[i].astype(bool)


def followed(params: Params, seed: int) -> tuple[np.ndarray, list[str]]:
    """Persons followed in the journey and network views: the personas, then a sample."""
    from carecomplex.population import build

    st = build(params, seed)
    pers = np.flatnonzero(st.person.persona)
    names = [Persona(int(st.person.persona[i])).name.title() for i in pers]
    cx = np.setdiff1d(np.flatnonzero(st.person.complex), pers)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(cx, size=min(SAMPLE, len(cx)), replace=False))
    return np.concatenate([pers, pick]), names + [f"Person {int(i)}" for i in pick]


def pair(s: Settings) -> tuple[Arm, Arm]:
    """Arms A and B of ``s`` at week 0: A runs the burn-in, B is A's branch under B's params."""
    sample, names = followed(s.base_params, s.seed)
    a = Arm(f"A: {s.base}", s.base_params, s.seed, sample, names)
    b = Arm(f"B: {s.alt}", s.alt_params, s.seed, sample, names, source=a.model)
    return a, b


_LIVE: weakref.WeakSet[Session] = weakref.WeakSet()


def live_sessions() -> int:
    """Sessions whose models are still in memory (closed ones leave once collected)."""
    return len(_LIVE)


class Session:
    """Everything one browser session owns: settings and the two paired arms."""

    def __init__(self, draft: Draft | None = None):
        self.lock = threading.RLock()
        _LIVE.add(self)
        settings, errors = validate(draft or Draft())
        if settings is None:
            raise ValueError(f"default settings are invalid: {errors}")
        self.reset(settings)

    def reset(self, s: Settings) -> None:
        """Build both arms afresh with the same seed and one shared burn-in.

        Arm A runs the burn-in; arm B is a branch of A at week 0
        (:meth:`~carecomplex.model.CareModel.branch`), so at week 0 the two are the same
        system and every difference after it comes from B's parameters.
        """
        arms = pair(s)
        with self.lock:
            self.settings = s
            self.names = arms[0].names
            self.arms = arms
            self.resets = getattr(self, "resets", -1) + 1

    @property
    def week(self) -> int:
        """Measured weeks run so far."""
        return self.arms[0].model.week

    @property
    def done(self) -> bool:
        """True when the run's horizon is reached."""
        return self.week >= self.arms[0].model.n_weeks

    def advance(self, weeks: int) -> int:
        """Step both arms up to ``weeks`` weeks; returns the weeks actually run."""
        ran = 0
        with self.lock:
            for _ in range(weeks):
                if self.done:
                    break
                for arm in self.arms:
                    arm.step()
                ran += 1
        return ran
