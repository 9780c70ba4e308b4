"""ui.seeds.run_seeds: the session's pair over seeds, B - A with 95 % intervals."""

from __future__ import annotations

import math
import threading

import pytest

from carecomplex.ui import numbers
from carecomplex.ui.seeds import run_seeds, seeds_for, summary
from carecomplex.ui.session import Draft, Session, validate

WEEKS = 6


def settings(seed: str = "5"):
    s, errors = validate(Draft().with_(persons="250", seed=seed))
    assert s is not None, errors
    return s


def test_intervals_contain_the_mean_and_progress_counts() -> None:
    calls: list[tuple[int, int]] = []
    r = run_seeds(settings(), 3, weeks=WEEKS, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert r.seeds == (5, 6, 7) and r.weeks == WEEKS and not r.cancelled
    assert len(r.rows) == len(next(iter(r.per_seed.values()))[0])
    for row in r.rows:
        assert row.n == 3
        assert row.lo <= row.diff <= row.hi, row
        assert row.diff == pytest.approx(row.b - row.a)
    assert "95 % interval" in summary(r, "Crises per person-year, complex")


def test_seed_rows_equal_the_sessions_own_numbers() -> None:
    s = settings("9")
    r = run_seeds(s, 2, weeks=WEEKS)
    for seed in r.seeds:
        session = Session(Draft().with_(persons="250", seed=str(seed)))
        session.advance(WEEKS)
        for row in numbers.compare_rows(session):
            a, b = r.per_seed[seed]
            k = row["outcome"]
            assert (a[k], b[k]) == (row["A"], row["B"]) or (
                math.isnan(a[k]) and math.isnan(row["A"])
            ), k


def test_cancel_stops_it() -> None:
    stop = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done == 1:
            stop.set()

    r = run_seeds(settings(), 5, weeks=WEEKS, progress=progress, cancel=stop)
    assert r.cancelled and r.seeds == (5,) and seen == [0, 1]
    assert all(row.n == 1 and math.isnan(row.lo) for row in r.rows)
    stop2 = threading.Event()
    stop2.set()
    r2 = run_seeds(settings(), 3, weeks=WEEKS, cancel=stop2)
    assert r2.cancelled and r2.seeds == () and r2.rows == ()


def test_cancel_from_another_thread_stops_within_the_run() -> None:
    stop = threading.Event()
    out: list = []
    t = threading.Thread(target=lambda: out.append(run_seeds(settings(), 50, cancel=stop)))
    t.start()
    stop.set()
    t.join(timeout=120)
    assert not t.is_alive() and out[0].cancelled and len(out[0].seeds) < 50


def test_defaults_and_bad_n() -> None:
    s = settings()
    assert seeds_for(s, 3) == (5, 6, 7)
    assert seeds_for(s.__class__(**{**s.__dict__, "seed": 2**63 - 1}), 2) == (2**63 - 1, 0)
    with pytest.raises(ValueError, match="at least 1"):
        run_seeds(s, 0)
