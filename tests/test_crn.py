"""Common random numbers and the counter-based random streams.

Every draw is a pure function of (seed, stream, entity id, week, k). So:

* two regimes run with one seed face the same population and the same life events
  (shocks) for every person alive in both arms;
* removing one person (``drop``) leaves every other person's attributes and draws alone
  (the "minimally different world");
* the numba ``draw`` and the NumPy ``draws`` are the same function, and uniform on [0, 1).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.rng import LifeDraw, Stream, draw, draws, draws2, seed_key
from carecomplex.scenarios import load
from carecomplex.state import Event

SEED = 31


def pair(persons: int = 1500, years: float = 1.0, burn_in: int = 0) -> tuple[Params, Params]:
    over = {"population": {"persons": persons}, "run": {"years": years, "burn_in": burn_in}}
    return load("siloed").params.replace(**over), load("alliance").params.replace(**over)


def expected_shocks(model: CareModel, alive: np.ndarray) -> np.ndarray:
    """Who gets a life shock this step, from the NumPy twin of the life stream."""
    u = draws2(int(model.key), Stream.LIFE, model.state.person.pid, model.t, LifeDraw.SHOCK_CRISIS)[
        0
    ]
    return (alive == 1) & (u < model.params.life.shock_rate)


def test_regimes_share_the_initial_population() -> None:
    ps, pa = pair()
    s, a = CareModel(ps, rng=SEED).state, CareModel(pa, rng=SEED).state
    for entity in ("person", "family", "worker"):
        for name in getattr(s, entity).names():
            x, y = getattr(getattr(s, entity), name), getattr(getattr(a, entity), name)
            assert np.array_equal(x, y), f"initial {entity}.{name} differs between regimes"


def test_regimes_see_identical_life_events_week_by_week() -> None:
    ps, pa = pair()
    ms, ma = CareModel(ps, rng=SEED), CareModel(pa, rng=SEED)
    n = len(ms.state.person.pid)
    both_alive_weeks = 0
    first_death = None
    total_checked = 0
    for w in range(ms.n_weeks):
        alive_s, alive_a = ms.state.person.alive.copy(), ma.state.person.alive.copy()
        want_s, want_a = expected_shocks(ms, alive_s), expected_shocks(ma, alive_a)
        before_s, before_a = ms.state.person.shocks.copy(), ma.state.person.shocks.copy()
        ms.step()
        ma.step()
        got_s = ms.state.person.shocks - before_s
        got_a = ma.state.person.shocks - before_a
        # Each arm's kernel makes exactly the decisions the NumPy stream predicts.
        assert np.array_equal(got_s, want_s.astype(np.int32)), f"siloed shocks != draws, week {w}"
        assert np.array_equal(got_a, want_a.astype(np.int32)), f"alliance shocks != draws, week {w}"
        # Persons alive in both arms get the same shocks.
        both = (alive_s == 1) & (alive_a == 1)
        assert np.array_equal(got_s[both], got_a[both]), (
            f"week {w}: persons alive in both arms got different shocks "
            f"(ids {np.flatnonzero(both & (got_s != got_a))[:5].tolist()})"
        )
        total_checked += int(got_s[both].sum())
        # Weekly SHOCK totals restricted to those alive in both arms.
        for m, got in ((ms, got_s), (ma, got_a)):
            assert int(m.events[w, Event.SHOCK].sum()) == int(got.sum()), (
                f"week {w}: SHOCK events must count the shocks recorded per person"
            )
        if both.all():
            both_alive_weeks += 1
            assert np.array_equal(ms.events[w, Event.SHOCK], ma.events[w, Event.SHOCK]), (
                f"week {w}: nobody has died yet, so SHOCK totals must be equal in both arms"
            )
        elif first_death is None:
            first_death = w
    assert total_checked > 0.5 * n * ms.n_weeks * ps.life.shock_rate, (
        f"too few shocks checked ({total_checked}) for the test to mean anything"
    )
    assert both_alive_weeks >= 1, "the test needs at least one week before the first death"
    # The regimes really differ (otherwise the test is vacuous).
    assert not np.array_equal(ms.events[:, Event.HANDOFF], ma.events[:, Event.HANDOFF]), (
        "siloed and alliance should differ in hand-offs"
    )


def test_regimes_share_shock_counts_over_a_run_with_burn_in() -> None:
    ps, pa = pair(persons=1000, years=1.0, burn_in=8)
    ms, ma = CareModel(ps, rng=SEED).run(), CareModel(pa, rng=SEED).run()
    both = (ms.state.person.alive == 1) & (ma.state.person.alive == 1)  # alive all run
    assert both.sum() > 0.9 * len(both), "most persons should survive a year"
    s, a = ms.state.person.shocks[both], ma.state.person.shocks[both]
    assert s.sum() > 100, "too few shocks for a meaningful comparison"
    assert np.array_equal(s, a), (
        f"shock counts differ for {int((s != a).sum())} persons alive in both arms"
    )


# --- The minimally different world --------------------------------------------------

ATTRS = ("complex", "persona", "need", "setpoint", "resilience", "sys_trust")


def by_pid(model: CareModel, name: str) -> dict[int, np.ndarray]:
    p = model.state.person
    return dict(zip(p.pid.tolist(), getattr(p, name), strict=True))


def _drop_ids(params: Params) -> list[int]:
    """Person ids that test different corners: persona Brian (0), a family member, the last."""
    p = CareModel(params, rng=SEED).state.person
    fam = p.family
    sizes = np.bincount(fam)
    in_big = np.flatnonzero(sizes[fam] >= 3)
    complex_ = np.flatnonzero(p.complex == 1)
    return [0, int(in_big[1]), int(complex_[-1]), len(p.pid) - 1]


@pytest.mark.parametrize("which", range(4))
def test_drop_leaves_everyone_else_unchanged(which: int) -> None:
    params = load("siloed").params.replace(
        population={"persons": 800}, run={"years": 0.5, "burn_in": 2}
    )
    k = _drop_ids(params)[which]
    full = CareModel(params, rng=SEED)
    less = CareModel(params, rng=SEED, drop=(k,))
    pf, pl = full.state.person, less.state.person
    assert len(pl.pid) == len(pf.pid) - 1, "drop must remove exactly one person"
    assert k not in set(pl.pid.tolist()), f"person {k} must be gone"
    assert np.array_equal(pl.pid, pf.pid[pf.pid != k]), "other ids must be kept, in order"
    assert less.key == full.key, "the root key must not depend on who is dropped"
    keep = pf.pid != k
    for name in ATTRS:
        assert np.array_equal(getattr(pl, name), getattr(pf, name)[keep]), (
            f"dropping person {k} changed other persons' initial {name}"
        )
    # Households: the same people live together, minus the dropped person.
    fam_f = {pid: f for pid, f in zip(pf.pid.tolist(), pf.family.tolist(), strict=True)}
    groups_f: dict[int, set[int]] = {}
    for pid, f in fam_f.items():
        if pid != k:
            groups_f.setdefault(f, set()).add(pid)
    groups_l: dict[int, set[int]] = {}
    for pid, f in zip(pl.pid.tolist(), pl.family.tolist(), strict=True):
        groups_l.setdefault(f, set()).add(pid)
    assert sorted(map(sorted, groups_f.values())) == sorted(map(sorted, groups_l.values())), (
        f"dropping person {k} must not rearrange anyone else's household"
    )
    # The same draws: every stream is keyed by pid, and the key is unchanged.
    for stream, k in [(Stream.LIFE, int(k)) for k in LifeDraw] + [(Stream.DEATH, 1)]:
        uf = draws(int(full.key), stream, pf.pid[keep], 5, k)
        ul = draws(int(less.key), stream, pl.pid, 5, k)
        assert np.array_equal(uf, ul), f"{stream.name} draws (k={k}) changed for others"
    # Over a short run, everyone alive in both worlds had the same shocks.
    full.run()
    less.run()
    sf, sl = by_pid(full, "shocks"), by_pid(less, "shocks")
    af, al = by_pid(full, "alive"), by_pid(less, "alive")
    both = [pid for pid in sl if af[pid] == 1 and al[pid] == 1]
    assert len(both) > 0.9 * len(sl), "most persons should survive half a year"
    diff = [pid for pid in both if sf[pid] != sl[pid]]
    assert not diff, f"dropping person {k} changed the shock counts of persons {diff[:5]}"
    assert sum(int(sf[pid]) for pid in both) > 20, "too few shocks for a meaningful comparison"


def test_dropping_an_absent_id_changes_nothing() -> None:
    params = Params().replace(population={"persons": 300}, run={"years": 0.1, "burn_in": 0})
    a = CareModel(params, rng=SEED).run()
    b = CareModel(params, rng=SEED, drop=(10**9,)).run()
    assert np.array_equal(a.events, b.events) and np.array_equal(a.ledger, b.ledger), (
        "dropping an id that is not in the population must change nothing"
    )


# --- Turnover keyed by post ---------------------------------------------------------


def _turnover_arm(model: CareModel, weeks: int, early: tuple[int, int] | None):
    """Step ``model``; if ``early`` = (post, week), that post's holder leaves that week.

    Returns:
        (left, caseload, uid): weeks x posts; whether the holder left, the week's
        caseload, and the holder's uid at the start of the week.
    """
    wk = model.state.worker
    n_posts = len(wk.uid)
    left = np.zeros((weeks, n_posts), dtype=bool)
    caseload = np.zeros((weeks, n_posts), dtype=np.int64)
    uid = np.zeros((weeks, n_posts), dtype=np.int64)
    for w in range(weeks):
        if early is not None and w == early[1]:
            post = early[0]  # the holder leaves as the kernel would: a novice takes the post
            wk.uid[post] = model._next_uid
            model._next_uid += 1
            wk.skill[post] = model.params.workforce.novice_skill
            wk.burnout[post] = 0.0
            wk.tenure[post] = 0
        uid[w] = wk.uid
        model.step()
        left[w] = wk.uid != uid[w]
        caseload[w] = wk.caseload
    return left, caseload, uid


def test_turnover_draws_are_keyed_by_post_not_by_holder() -> None:
    """Two arms differ in one holder having left early; the other posts keep their draws.

    Whether a post's holder leaves in a week is a function of the post's caseloads up to
    that week and of its turnover draws. In arm b the holder of one post leaves early, so
    every later new holder's uid is one higher than in arm a. Keyed by uid (model 1), a
    post whose holder left after that would draw other numbers from then on; keyed by
    post, every post-week whose caseloads so far are the same in both arms has the same
    outcome, whoever holds the post.
    """
    params = load("siloed").params.replace(
        population={"persons": 3000},
        run={"years": 1.0, "burn_in": 0},
        workforce={"turnover": 0.05},  # many leavers, so that uids shift
    )
    weeks, post = 30, 3
    a, b = CareModel(params, rng=SEED), CareModel(params, rng=SEED)
    left_a, load_a, uid_a = _turnover_arm(a, weeks, None)
    left_b, load_b, uid_b = _turnover_arm(b, weeks, (post, 1))
    same = np.logical_and.accumulate(load_a == load_b, axis=0)  # equal caseloads so far
    same[:, post] = False
    other_holder = same & (uid_a != uid_b)
    assert other_holder.sum() >= 20, f"too few post-weeks with other uids: {other_holder.sum()}"
    assert left_a[same].sum() >= 10, "too few leavers for the test to mean anything"
    assert np.array_equal(left_a[same], left_b[same]), (
        "a post's leavers changed because another post's holder left earlier "
        f"(posts {np.flatnonzero((same & (left_a != left_b)).any(axis=0))[:5].tolist()})"
    )


# --- The random streams ---------------------------------------------------------------


def random_keys(n: int, seed: int = 12345):
    g = np.random.default_rng(seed)
    seeds = g.integers(0, 2**64, size=n, dtype=np.uint64)
    streams = g.integers(1, len(Stream) + 1, size=n)
    entities = g.integers(0, 2**31, size=n)
    weeks = g.integers(0, 6000, size=n)
    ks = g.integers(0, 64, size=n)
    return seeds, streams, entities, weeks, ks


def test_numba_draw_equals_numpy_draws() -> None:
    seeds, streams, entities, weeks, ks = random_keys(400)
    for s, st_, e, w, k in zip(seeds, streams, entities, weeks, ks, strict=True):
        a = draw(np.uint64(s), int(st_), int(e), int(w), int(k))
        b = draws(int(s), int(st_), int(e), int(w), int(k))[()]
        assert a == b, f"draw != draws for (seed={s}, stream={st_}, entity={e}, week={w}, k={k})"


def test_draws_broadcasts_like_scalar_calls() -> None:
    key = int(seed_key(3))
    ent = np.arange(50)
    wk = np.arange(7)[:, None]
    grid = draws(key, Stream.CRISIS, ent[None, :], wk, 2)
    assert grid.shape == (7, 50)
    for w in (0, 3, 6):
        for e in (0, 17, 49):
            want = draw(np.uint64(key), int(Stream.CRISIS), e, w, 2)
            assert grid[w, e] == want, f"broadcast draws differ at week {w}, entity {e}"


def test_draws_in_unit_interval_and_uniform() -> None:
    key = int(seed_key(2024))
    n = 200_000
    u = draws(key, Stream.SHOCK, np.arange(n), 17, 0)
    assert u.dtype == np.float64
    assert u.min() >= 0.0 and u.max() < 1.0, "draws must lie in [0, 1)"
    assert u.min() < 1e-4 and u.max() > 1 - 1e-4, "draws must cover [0, 1)"
    counts = np.bincount((u * 100).astype(int), minlength=100)
    chi2 = stats.chisquare(counts)
    assert chi2.pvalue > 1e-3, f"chi-square uniformity rejected: p={chi2.pvalue:.2e}"
    ks = stats.kstest(u, "uniform")
    assert ks.pvalue > 1e-3, f"KS uniformity rejected: p={ks.pvalue:.2e}"
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002


@pytest.mark.parametrize(
    "other",
    [
        {"stream": Stream.CRISIS},  # another stream
        {"week": 18},  # next week
        {"k": 1},  # another index of one decision
        {"key": int(seed_key(2025))},  # a neighbouring seed
        {"shift": 1},  # the neighbouring entity
    ],
)
def test_streams_are_uncorrelated(other: dict) -> None:
    key = int(seed_key(2024))
    n = 100_000
    ent = np.arange(n)
    base = draws(key, Stream.SHOCK, ent, 17, 0)
    alt = draws(
        other.get("key", key),
        other.get("stream", Stream.SHOCK),
        ent + other.get("shift", 0),
        other.get("week", 17),
        other.get("k", 0),
    )
    r = np.corrcoef(base, alt)[0, 1]
    assert abs(r) < 0.015, f"draws varying {other} correlate with the base stream: r={r:.4f}"
    assert not np.array_equal(base, alt), f"draws varying {other} must differ"


def test_seed_key_is_deterministic_and_spreads_seeds() -> None:
    keys = [int(seed_key(s)) for s in range(1000)]
    assert len(set(keys)) == 1000, "distinct seeds must give distinct keys"
    assert keys == [int(seed_key(s)) for s in range(1000)], "seed_key must be deterministic"
    bits = np.array([bin(a ^ b).count("1") for a, b in itertools.pairwise(keys)])
    assert 28 < bits.mean() < 36, f"neighbouring seeds should differ in ~32 bits: {bits.mean()}"
