"""Each numba kernel against its readable NumPy twin in carecomplex.reference.

The twins are the executable specification: on copies of one state, a kernel and its
twin must leave every array the same (integers exactly, floats to float32 rounding),
including the per-chunk partials of the ledger, the event table and the per-service
sums, and must return the same value. States come from hypothesis (small, random,
valid) and from the population builder (a realistic state stepped for some weeks).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecomplex import population
from carecomplex.costs import Item, item_holders, item_pence
from carecomplex.params import (
    CapacityParams,
    CrisisParams,
    GamingParams,
    HousingParams,
    LifeParams,
    Params,
    PopulationParams,
    RegimeLevers,
    RunParams,
    SupportParams,
    TreatmentParams,
    TrustParams,
    WorkforceParams,
)
from carecomplex.processes import access, housing, life, observation, support, workforce
from carecomplex.processes.common import KP
from carecomplex.processes.learning import dose_ref, information, learn
from carecomplex.reference import access as ref_access
from carecomplex.reference import housing as ref_housing
from carecomplex.reference import life as ref_life
from carecomplex.reference import observation as ref_observation
from carecomplex.reference import support as ref_support
from carecomplex.reference import workforce as ref_workforce
from carecomplex.regimes import kernel_params
from carecomplex.rng import seed_key
from carecomplex.scenarios import load_params
from carecomplex.state import (
    N_DOMAINS,
    N_EVENTS,
    N_ITEMS,
    N_SERVICES,
    SLOTS,
    STRUCTURE,
    Books,
    Domain,
    Event,
    State,
    new_books,
)

# Per-chunk partials: compare totals over chunks, then the chunks.
PARTIALS = ("books.ledger", "books.events", "books.service_sums")

# Each kernel and its twin (same arguments, same in-place effects, same return value).
KERNELS = {
    "families": (life.families, ref_life.families),
    "life_crisis": (life.life_crisis, ref_life.life_crisis),
    "access": (access.access, ref_access.access),
    "support": (support.support, ref_support.support),
    "housing": (housing.housing, ref_housing.housing),
    "workforce": (workforce.workforce, ref_workforce.workforce),
    "wellbeing_sums": (observation.wellbeing_sums, ref_observation.wellbeing_sums),
    "charge_posts": (workforce.charge_posts, ref_workforce.charge_posts),
}


# --------------------------------------------------------------------------------------
# A world: the state plus everything else the kernels are called with.
# --------------------------------------------------------------------------------------


@dataclass(repr=False)
class World:
    state: State
    kp: KP
    key: np.uint64
    t: int
    info: np.ndarray
    books: Books  # type: ignore[valid-type]
    next_uid: int

    def __repr__(self) -> str:  # short: hypothesis prints it for a failing example
        p = self.state.person
        return (
            f"World(n={len(p.pid)}, families={len(self.state.family.start)}, "
            f"workers={len(self.state.worker.uid)}, t={self.t}, key={int(self.key)}, "
            f"kp={self.kp})"
        )

    def copy(self) -> World:
        """A deep copy (state and books copied)."""
        return dataclasses.replace(self, state=self.state.copy(), books=self.books.copy())


def families_args(w: World) -> dict:
    return {"kp": w.kp, "fam": w.state.family, "per": w.state.person}


def life_crisis_args(w: World) -> dict:
    s = w.state
    return {
        "key": w.key,
        "t": w.t,
        "kp": w.kp,
        "per": s.person,
        "fam": s.family,
        "books": w.books,
        "structure": STRUCTURE,
    }


def access_args(w: World) -> dict:
    s = w.state
    return {
        "key": w.key,
        "t": w.t,
        "kp": w.kp,
        "per": s.person,
        "wk": s.worker,
        "sv": s.service,
        "info": w.info,
        "books": w.books,
        "scratch": access.access_scratch(len(s.person.pid)),
    }


def support_args(w: World) -> dict:
    s = w.state
    return {
        "key": w.key,
        "t": w.t,
        "kp": w.kp,
        "per": s.person,
        "wk": s.worker,
        "sv": s.service,
        "info": w.info,
        "books": w.books,
    }


def housing_args(w: World) -> dict:
    s = w.state
    return {
        "key": w.key,
        "t": w.t,
        "kp": w.kp,
        "per": s.person,
        "sv": s.service,
        "books": w.books,
    }


def workforce_args(w: World) -> dict:
    s = w.state
    return {
        "key": w.key,
        "t": w.t,
        "kp": w.kp,
        "next_uid": w.next_uid,
        "per": s.person,
        "wk": s.worker,
        "sv": s.service,
        "books": w.books,
    }


def wellbeing_sums_args(w: World) -> dict:
    return {"per": w.state.person, "books": w.books}


def charge_posts_args(w: World) -> dict:
    s = w.state
    # A programme cost that is not a multiple of the cohort (remainders), some weeks none;
    # a cohort's cost likewise, in other weeks.
    programme = 0 if w.t % 3 == 0 else 100_003 * (w.t % 7) + 17
    cohort = 0 if w.t % 4 == 1 else 7_919 * (w.t % 5) + 3
    return {
        "per": s.person,
        "wk": s.worker,
        "books": w.books,
        "programme": programme,
        "cohort_programme": cohort,
    }


ARGS = {
    "families": families_args,
    "life_crisis": life_crisis_args,
    "access": access_args,
    "support": support_args,
    "housing": housing_args,
    "workforce": workforce_args,
    "wellbeing_sums": wellbeing_sums_args,
    "charge_posts": charge_posts_args,
}
assert ARGS.keys() == KERNELS.keys()


# --------------------------------------------------------------------------------------
# Running both and comparing.
# --------------------------------------------------------------------------------------


def _is_table(v) -> bool:
    """A NamedTuple of arrays: an entity table, the books, the structure or the scratch."""
    return hasattr(v, "_fields") and all(isinstance(x, np.ndarray) for x in v)


def _copy(args: dict) -> dict:
    out = {}
    for k, v in args.items():
        if isinstance(v, np.ndarray):
            out[k] = v.copy()
        elif _is_table(v):
            out[k] = type(v)(*(x.copy() for x in v))
        else:
            out[k] = v
    return out


def arrays(args: dict) -> dict[str, np.ndarray]:
    """Every array in ``args``, by name: ``info``, and ``per.need`` for a table's columns.

    The access scratch is left out: its contents are the kernel's business.
    """
    out = {}
    for name, v in args.items():
        if isinstance(v, np.ndarray):
            out[name] = v
        elif _is_table(v) and name != "scratch":
            out.update({f"{name}.{k}": x for k, x in zip(v._fields, v, strict=True)})
    return out


def assert_same(kernel: str, got: dict, want: dict) -> None:
    """Every array the kernel left (``got``) equals the twin's (``want``)."""
    theirs = arrays(want)
    for name, x in arrays(got).items():
        y = theirs[name]
        msg = f"{kernel}: array {name!r} differs between the numba kernel and the twin"
        assert x.dtype == y.dtype, f"{msg} in dtype ({x.dtype} vs {y.dtype})"
        assert x.shape == y.shape, f"{msg} in shape ({x.shape} vs {y.shape})"
        if name in PARTIALS:
            _compare(x.sum(axis=0), y.sum(axis=0), f"{msg} (totals over chunks)")
        _compare(x, y, msg)


def _compare(x: np.ndarray, y: np.ndarray, msg: str) -> None:
    if np.issubdtype(x.dtype, np.floating):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, err_msg=msg)
    else:
        np.testing.assert_array_equal(x, y, err_msg=msg)


def run_both(kernel: str, args: dict) -> tuple[dict, dict]:
    """Call the kernel and its twin on copies of ``args``; assert they agree."""
    got, want = _copy(args), _copy(args)
    fast, twin = KERNELS[kernel]
    r_got = fast(*got.values())
    r_want = twin(*want.values())
    assert r_got == r_want, f"{kernel}: returned {r_got!r}, the twin {r_want!r}"
    assert_same(kernel, got, want)
    return got, want


# --------------------------------------------------------------------------------------
# Hypothesis: random kernel parameters within the ranges of carecomplex.params, random small states.
# --------------------------------------------------------------------------------------


def group(cls: type) -> st.SearchStrategy:
    """A parameter group with each field at its default or anywhere in its range."""
    fields = {}
    for f in dataclasses.fields(cls):
        lo, hi = f.metadata["lo"], f.metadata["hi"]
        if f.type in ("int", int):
            lo, hi = int(lo), int(hi)
            anywhere = st.integers(lo, min(hi, lo + 20)) | st.integers(lo, hi)
        else:
            anywhere = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        fields[f.name] = st.just(f.default) | anywhere
    return st.builds(cls, **fields)


@st.composite
def kernel_parameters(draw) -> KP:
    corners = st.sampled_from([load_params("siloed").regime, load_params("alliance").regime])
    params = Params(
        life=draw(group(LifeParams)),
        crisis=draw(group(CrisisParams)),
        capacity=draw(group(CapacityParams)),
        support=draw(group(SupportParams)),
        trust=draw(group(TrustParams)),
        gaming=draw(group(GamingParams)),
        housing=draw(group(HousingParams)),
        treatment=draw(group(TreatmentParams)),
        workforce=draw(group(WorkforceParams)),
    )
    # The run's measured window, so that the statistics' window edges fall in the states.
    run = RunParams(years=draw(st.sampled_from([1.0, 5.0])), burn_in=draw(st.integers(0, 520)))
    params = dataclasses.replace(params, run=run)
    levers = draw(corners | group(RegimeLevers))
    friction = draw(st.just(0.0) | st.floats(0.0, 1.0))
    # An enrolled cohort's levers (read for persons with programme == 1): none, a corner
    # or anywhere.
    cohort = draw(st.none() | corners | group(RegimeLevers))
    return kernel_params(params, levers, friction, cohort)


def family_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(1, 5)))
    sizes[-1] -= sum(sizes) - n
    return np.array(sizes)


def random_world(rng: np.random.Generator, n: int, n_workers: int, kp: KP, t: int, knobs) -> World:
    """A small valid state: contiguous families, every service staffed, slots consistent."""
    size = family_sizes(rng, n)
    s = State.empty(n, len(size), n_workers)
    _random_families(rng, s, size)
    _random_persons(rng, s, t, knobs)
    _random_workers(rng, s, kp)
    _random_slots(rng, s, knobs["slot"], t)
    pence = item_pence() if rng.random() < 0.5 else rng.integers(0, 200_000, N_ITEMS)
    books = new_books(pence.astype(np.int64), item_holders())
    books.ledger[:] = rng.integers(0, 1000, books.ledger.shape)
    books.events[:] = rng.integers(0, 10, books.events.shape)
    books.service_sums[:] = rng.random(books.service_sums.shape)
    books.wellbeing_sums[:] = rng.random(books.wellbeing_sums.shape)
    return World(
        state=s,
        kp=kp,
        key=np.uint64(rng.integers(0, 2**63)),
        t=t,
        info=rng.random((2, N_SERVICES)) * (rng.random(2) < 0.7)[:, None],
        books=books,
        next_uid=1000,
    )


def _random_families(rng, s: State, size: np.ndarray) -> None:
    f = s.family
    f.size[:] = size
    f.start[:] = np.concatenate([[0], np.cumsum(size)[:-1]])
    f.support[:] = rng.random(len(size))
    s.person.family[:] = np.repeat(np.arange(len(size)), size)


def _random_persons(rng, s: State, t: int, knobs) -> None:
    p, n = s.person, len(s.person.pid)
    p.pid[:] = rng.choice(10 * n + 100, n, replace=False)
    p.complex[:] = rng.random(n) < 0.3
    p.alive[:] = rng.random(n) >= knobs["dead"]
    died = np.where(rng.random(n) < 0.5, t, rng.integers(0, t + 1, n))  # t: died this week
    p.died_week[:] = np.where(p.alive == 1, -1, died)
    for a in (p.need, p.setpoint):
        a[:] = rng.random((n, N_DOMAINS)) * knobs["need"]
        a[rng.random(n) < 0.05] = 0.0  # some persons with no need at all
        a[rng.random((n, N_DOMAINS)) < 0.03] = 1.0
    p.resilience[:] = rng.random(n)
    p.sys_trust[:] = rng.random(n)
    free = (p.alive == 1) & (rng.random(n) >= knobs["prison"])
    p.prison_weeks[:] = np.where(free | (p.alive == 0), 0, rng.integers(1, 30, n))
    p.baseline[:] = np.where(rng.random((n, N_DOMAINS)) < 0.5, p.setpoint, rng.random((n, 1)))
    p.tenancy[:] = rng.integers(0, 3, n) * (rng.random(n) < 0.5)
    p.tenancy_weeks[:] = np.where(p.tenancy > 0, rng.integers(0, 200, n), 0)
    p.treatment[:] = rng.integers(0, 4, n) * (rng.random(n) < 0.6)
    p.treatment_weeks[:] = np.where(p.treatment > 0, rng.integers(0, 110, n), 0)
    on_the_edge = rng.random(n) < 0.3  # housing need at the homeless threshold
    p.need[on_the_edge, Domain.HOUSING] = rng.choice([0.45, 0.5, 0.55, 0.9], on_the_edge.sum())
    p.assessed[:] = rng.integers(0, 4, n)
    queued = free & (rng.random(n) < 0.3)
    p.wait_service[:] = np.where(queued, rng.integers(0, N_SERVICES, n), -1)
    p.wait_weeks[:] = np.where(queued, rng.integers(1, 30, n), 0)
    p.unmet[:] = rng.integers(0, 2, n)
    p.cooldown[:] = np.where(rng.random(n) < 0.2, rng.integers(1, 9, n), 0)
    # Spells: in hospital, the last discharge and release around their windows' edges.
    p.hospital_weeks[:] = np.where(
        free & (rng.random(n) < knobs["prison"]), rng.integers(1, 4, n), 0
    )
    near = [0, 1, 3, 4, 5, 25, 26, 27, 51, 52, 53]  # weeks ago, around 30, 180 days, 1 year
    ago = np.where(rng.random(n) < 0.5, rng.choice(near, n), rng.integers(0, 60, n))
    day = 7 * (t - ago) + rng.integers(0, 7, n)
    p.discharge_day[:] = np.where((rng.random(n) < 0.7) & (day >= 0), day, -1)
    ago = np.where(rng.random(n) < 0.5, rng.choice(near, n), rng.integers(0, 60, n))
    p.release_week[:] = np.where((rng.random(n) < 0.7) & (t - ago >= 0), t - ago, -1)
    p.sentence[:] = rng.integers(0, 3, n)
    p.in_reach[:] = (p.prison_weeks > 0) & (rng.random(n) < 0.5)
    p.programme[:] = rng.random(n) < knobs["enrolled"]  # an enrolled cohort
    for a in (p.crises, p.handoffs, p.shocks, p.weeks_alive, p.ea_weeks):
        a[:] = rng.integers(0, 50, n)
    p.crisis_kinds[:] = rng.integers(0, 20, p.crisis_kinds.shape)
    p.cost[:] = rng.integers(0, 10**6, p.cost.shape)


def _random_workers(rng, s: State, kp: KP) -> None:
    w, nw = s.worker, len(s.worker.service)
    w.service[:] = rng.permutation(
        np.concatenate([np.arange(N_SERVICES), rng.integers(0, N_SERVICES, nw - N_SERVICES)])
    )
    w.uid[:] = rng.choice(1000, nw, replace=False)
    w.skill[:] = rng.random(nw)
    w.burnout[:] = rng.random(nw)
    w.tenure[:] = rng.integers(0, 300, nw)
    w.tolerance[:] = rng.random(nw)
    sv = s.service
    sv.capacity[:] = np.bincount(w.service, minlength=N_SERVICES) * kp.caseload
    sv.load[:] = rng.integers(0, (1.5 * sv.capacity).astype(np.int64) + 2)
    sv.queue[:] = rng.integers(0, 5, N_SERVICES)
    sv.knowledge[:] = rng.random(N_SERVICES)
    sv.gaming[:] = rng.random(N_SERVICES) * (rng.random() < 0.7)
    # The budget pot: empty, a few purchases' worth, or plenty.
    sv.budget_pot[0] = rng.choice([0, 150_000, 400_000, 10**9])
    for q in (sv.relationships, sv.thinking, sv.actions, sv.results):  # the Kim qualities
        q[:] = rng.random(N_SERVICES)


def _random_slots(rng, s: State, p_slot: float, t: int) -> None:
    """Episodes of distinct services with one of their posts.

    Prisoners hold none, nor do the dead, except those who died this week (their
    episodes close in the support step).
    """
    p, w = s.person, s.worker
    reach = (p.prison_weeks == 0) | (p.in_reach == 1)  # prisoners only with in-reach
    eligible = ((p.alive == 1) | (p.died_week == t)) & reach
    for i in np.flatnonzero(eligible):
        services = rng.permutation(N_SERVICES)[:SLOTS]
        for k in range(SLOTS):
            if rng.random() >= p_slot:
                continue
            sv = int(services[k])
            p.slot_service[i, k] = sv
            p.slot_worker[i, k] = rng.choice(np.flatnonzero(w.service == sv))
            p.slot_weeks[i, k] = rng.integers(0, 60)
            p.slot_trust[i, k] = rng.random()
            p.slot_stable[i, k] = rng.integers(0, 60)
            extra = sum(1 << d for d in range(N_DOMAINS) if rng.random() < 0.15)
            p.slot_remit[i, k] = (1 << sv) | extra
    held = p.slot_service >= 0
    w.caseload[:] = np.bincount(p.slot_worker[held], minlength=len(w.service))


@st.composite
def worlds(draw) -> World:
    kp = draw(kernel_parameters())
    knobs = {
        "dead": draw(st.sampled_from([0.0, 0.1, 0.5])),
        "prison": draw(st.sampled_from([0.0, 0.1, 0.4])),
        "need": draw(st.sampled_from([0.4, 0.7, 1.0])),
        "slot": draw(st.sampled_from([0.0, 0.3, 0.7, 1.0])),
        "enrolled": draw(st.sampled_from([0.0, 0.3, 1.0])),
    }
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, n_workers = draw(st.integers(1, 60)), draw(st.integers(8, 20))
    return random_world(rng, n, n_workers, kp, draw(st.integers(0, 600)), knobs)


HYPO = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kernel", list(ARGS))
@HYPO
@given(world=worlds())
def test_kernel_matches_twin_on_random_states(kernel: str, world: World) -> None:
    run_both(kernel, ARGS[kernel](world))


# --------------------------------------------------------------------------------------
# A realistic population, stepped week by week with both implementations.
# --------------------------------------------------------------------------------------


def infos(levers: RegimeLevers, cohort: RegimeLevers, partner_trust: np.ndarray) -> np.ndarray:
    """The kernels' ``info``: row 0 the system's, row 1 an enrolled cohort's."""
    return np.stack([information(levers, partner_trust), information(cohort, partner_trust)])


def built_world(params: Params, seed: int, cohort: RegimeLevers | None = None) -> World:
    """A built population; with ``cohort``, every third person enrolled under those levers."""
    s = population.build(params, seed)
    if cohort is not None:
        s.person.programme[::3] = 1
    cohort = params.regime if cohort is None else cohort
    return World(
        state=s,
        kp=kernel_params(params, params.regime, cohort=cohort),
        key=seed_key(seed),
        t=0,
        info=infos(params.regime, cohort, s.service.partner_trust),
        books=new_books(item_pence(params.costs), item_holders()),
        next_uid=len(s.worker.uid),
    )


@pytest.mark.parametrize(
    ("scenario", "cohort"), [("siloed", None), ("alliance", None), ("siloed", "alliance")]
)
def test_kernels_match_twins_on_a_built_population(scenario: str, cohort: str | None) -> None:
    """Both implementations step their own copy of a 300-person world for 20 weeks.

    With ``cohort``, a third of the persons are enrolled under that scenario's levers.
    """
    params = dataclasses.replace(load_params(scenario), population=PopulationParams(persons=300))
    levers = None if cohort is None else load_params(cohort).regime
    worlds = {"kernel": built_world(params, 7, levers), "twin": built_world(params, 7, levers)}
    impl = {"kernel": 0, "twin": 1}  # position in KERNELS
    seen = np.zeros(N_EVENTS, dtype=np.int64)
    for week in range(20):
        for w in worlds.values():
            w.t = week
            w.books.clear()
            w.info = infos(params.regime, levers or params.regime, w.state.service.partner_trust)
        for kernel, args in ARGS.items():
            out = {}
            for name, w in worlds.items():
                a = args(w)
                out[name] = KERNELS[kernel][impl[name]](*a.values())
                if kernel == "workforce":
                    w.next_uid = out[name]
            assert out["kernel"] == out["twin"], f"week {week}, {kernel}: return values differ"
            assert_same(f"week {week}, {kernel}", args(worlds["kernel"]), args(worlds["twin"]))
            if kernel == "support":
                for w in worlds.values():
                    sums = w.books.service_sums
                    learn(
                        w.state.service,
                        sums,
                        params.regime,
                        params.learning,
                        dose_ref(params.capacity, params.learning),
                    )
        seen += worlds["kernel"].books.events.sum(axis=(0, 2))
    # The weeks compared exercised the main paths of every kernel.
    for e in (Event.CRISIS_AE, Event.SHOCK, Event.ACCEPTED, Event.SUPPORTED, Event.CLOSED):
        assert seen[e] > 0, f"no {e.name} events in 20 weeks: the comparison missed that path"


def test_housing_kernel_matches_twin_on_a_busy_population() -> None:
    """Every housing path, often: high hazards, mixed states, the pot at exactly a price.

    Both implementations step their own copy of a 400-person world for 20 weeks of the
    housing kernel alone; on even weeks a tenancy costs exactly what the pot holds.
    """
    params = load_params("alliance").replace(
        population={"persons": 400},
        housing={
            "exit_hf": 0.05,
            "exit_ordinary": 0.08,
            "placement_rate": 0.3,
            "purchase_rate": 1.0,
            "lasting": 0.01,
        },
        treatment={
            "referral_rate": 0.5,
            "start_rate": 0.3,
            "purchase_rate": 1.0,
            "dropout": 0.1,
            "relapse": 0.1,
            "weeks": 3,
            "lasting": 0.01,
        },
    )
    rng = np.random.default_rng(1)
    world = built_world(params, 3)
    p, n = world.state.person, len(world.state.person.pid)
    p.tenancy[:] = rng.integers(0, 3, n)
    p.treatment[:] = rng.integers(0, 4, n)
    p.need[:, Domain.HOUSING] = rng.choice([0.3, 0.5, 0.7], n)
    p.need[:, Domain.SUBSTANCE] = rng.random(n)
    p.need[:, Domain.MENTAL] = rng.random(n)
    p.prison_weeks[:] = np.where(rng.random(n) < 0.1, rng.integers(1, 30, n), 0)
    p.alive[:] = rng.random(n) < 0.95
    p.slot_service[:, 0] = rng.choice([-1, Domain.HOUSING, Domain.SUBSTANCE, Domain.MENTAL], n)
    p.slot_trust[:, 0] = rng.random(n)
    p.slot_remit[:, 0] = np.where(
        p.slot_service[:, 0] >= 0,
        (1 << p.slot_service[:, 0].clip(0)) | 4 * (rng.random(n) < 0.3),
        0,
    )
    worlds = {"kernel": world, "twin": world.copy()}
    members = int(((p.alive == 1) & (p.complex == 1)).sum())
    kp = world.kp
    seen = np.zeros(N_EVENTS, dtype=np.int64)
    for week in range(20):
        pot = int(world.state.service.budget_pot[0])
        accrual = round(100 * kp.housing_budget_per_person / 52 * kp.flexible_budget * members)
        after = min(pot + accrual, round(accrual * kp.housing_carry_weeks))
        for w in worlds.values():
            w.t = week
            w.books.clear()
            if week % 2 == 0:
                w.books.pence[Item.TENANCY] = after
        for name, w in worlds.items():
            KERNELS["housing"][0 if name == "kernel" else 1](*housing_args(w).values())
        assert_same(
            f"week {week}, housing", housing_args(worlds["kernel"]), housing_args(worlds["twin"])
        )
        seen += world.books.events.sum(axis=(0, 2))
    for e in (Event.TENANCY_START, Event.TENANCY_END, Event.HOUSED_WEEK, Event.TENANCY):
        assert seen[e] > 0, f"no {e.name} events in 20 weeks: the comparison missed that path"
