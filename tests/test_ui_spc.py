"""SPC as the seeds teach it: the XmR statistics, their run rules and the ECharts option.

The rules are checked against a plain-loop reference (written from the textbook wording,
not from the vectorised code) on Hypothesis-drawn series with ties, missing weeks,
trends and changes; invariants and worked examples pin what a student reads off the
chart. The option is checked as data (no browser) and once drawn by ECharts 5.4.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from carecomplex.ui import palette, spc

NAN = float("nan")
RULES = tuple(spc.RULES)


# --- a reference implementation: loops, one rule at a time -------------------------------


def ref_limits(
    x: list[float], starts: list[int], baseline: int, floor: float | None
) -> dict[str, list[float]]:
    """Moving ranges and each segment's centre and limits, by hand."""
    n = len(x)
    out = {k: [NAN] * n for k in ("mr", "centre", "lower", "upper", "mr_bar", "url")}
    ends = [*starts[1:], n]
    for a, b in zip(starts, ends, strict=True):
        for i in range(a + 1, b):
            out["mr"][i] = abs(x[i] - x[i - 1])  # NaN next to a NaN
        m = min(baseline, b - a)
        pts = [x[i] for i in range(a, a + m) if not math.isnan(x[i])]
        rs = [out["mr"][i] for i in range(a + 1, a + m) if not math.isnan(out["mr"][i])]
        if not pts or not rs:
            continue
        c, r = math.fsum(pts) / len(pts), math.fsum(rs) / len(rs)
        lo = c - 2.66 * r
        for i in range(a, b):
            out["centre"][i], out["mr_bar"][i] = c, r
            out["lower"][i] = floor if floor is not None and lo < floor <= c else lo
            out["upper"][i], out["url"][i] = c + 2.66 * r, 3.268 * r
    return out


def ref_rules(x: list[float], starts: list[int], lim: dict[str, list[float]]) -> dict[str, set]:
    """The points each rule flags, walking the series point by point."""
    n = len(x)
    ends = [*starts[1:], n]
    flags: dict[str, set] = {k: set() for k in RULES}
    for i in range(n):
        if x[i] > lim["upper"][i] or x[i] < lim["lower"][i]:  # False for NaN
            flags["outside"].add(i)
        if lim["mr"][i] > lim["url"][i]:
            flags["range"].add(i)
    for a, b in zip(starts, ends, strict=True):
        # rule 2: points on the centre neither break nor count; a missing week breaks
        run: list[int] = []
        side = 0
        for i in range(a, b + 1):
            c = lim["centre"][i] if i < b else NAN
            if i == b or math.isnan(x[i]) or math.isnan(c):
                s = 0
            elif x[i] == c:
                continue
            else:
                s = 1 if x[i] > c else -1
            if s != side or s == 0:
                if len(run) >= 8:
                    flags["shift"].update(run)
                run, side = [], s
            if s:
                run.append(i)
        # rule 3: equal neighbours neither break nor count; a missing week breaks
        steps, direction, first, last = 0, 0, a, a
        for i in range(a + 1, b + 1):
            if i == b or math.isnan(x[i]) or math.isnan(x[i - 1]):
                d = 0
            elif x[i] == x[i - 1]:
                continue
            else:
                d = 1 if x[i] > x[i - 1] else -1
            if d != direction or d == 0:
                if steps >= 5:
                    flags["trend"].update(range(first, last + 1))
                steps, direction, first = 0, d, i - 1
            if d:
                steps, last = steps + 1, i
    return flags


# --- strategies ----------------------------------------------------------------------------


@st.composite
def series(draw: st.DrawFn, max_size: int = 70) -> list[float]:
    """Weekly values with ties, runs and trends (small counts, random walks, or any floats),
    some weeks missing."""
    kind = draw(st.sampled_from(["counts", "walk", "floats"]))
    n = draw(st.integers(0, max_size))
    if kind == "counts":
        x = [float(v) for v in draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))]
    elif kind == "walk":
        steps = draw(st.lists(st.integers(-2, 3), min_size=n, max_size=n))
        x = [float(v) for v in np.cumsum(steps)]
    else:
        fl = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
        x = draw(st.lists(fl, min_size=n, max_size=n))
    if n and draw(st.booleans()):
        for i in draw(st.lists(st.integers(0, n - 1), max_size=4)):
            x[i] = NAN
    return x


changes = st.lists(st.integers(-3, 75), max_size=3)
baselines = st.integers(2, 30)
floors = st.sampled_from([None, 0.0])


def as_sets(r: spc.XmR) -> dict[str, set]:
    return {k: set(np.flatnonzero(m).tolist()) for k, m in r.signals.items()}


# --- the statistics ------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(series(), changes, baselines, floors)
def test_limits_and_rules_match_the_loop_reference(x, change, baseline, floor):
    r = spc.xmr(x, change=change, baseline=baseline, floor=floor)
    starts = list(spc.segment_starts(len(x), change))
    assert list(r.starts) == starts
    lim = ref_limits(x, starts, baseline, floor)
    for k in lim:
        np.testing.assert_allclose(getattr(r, k), lim[k], rtol=1e-9, atol=1e-9, err_msg=k)
    # the rules on the module's own limits, so that rounding in the mean cannot decide ties
    mine = {k: getattr(r, k).tolist() for k in lim}
    assert as_sets(r) == ref_rules(x, starts, mine)


@settings(max_examples=300, deadline=None)
@given(series(), changes, baselines, floors)
def test_invariants(x, change, baseline, floor):
    r = spc.xmr(x, change=change, baseline=baseline, floor=floor)
    n = len(x)
    assert all(len(a) == n for a in (r.x, r.mr, r.centre, r.lower, r.upper, r.mr_bar, r.url))
    assert all(m.shape == (n,) and m.dtype == bool for m in r.signals.values())
    assert set(r.signals) == set(spc.RULES)
    ok = np.isfinite(r.centre)
    assert np.all(r.mr[np.isfinite(r.mr)] >= 0)
    assert np.all(r.lower[ok] <= r.centre[ok]) and np.all(r.centre[ok] <= r.upper[ok])
    assert np.all(r.mr_bar[ok] <= r.url[ok])
    if floor is None:
        np.testing.assert_allclose(r.upper[ok] - r.centre[ok], r.centre[ok] - r.lower[ok])
    else:
        above = r.centre[ok] >= floor
        assert np.all(r.lower[ok][above] >= floor)
    # nothing is flagged where a week is missing; the first moving range of a segment is
    # not computed (it would straddle the change)
    assert not r.flagged[np.isnan(r.x)].any()
    assert np.isnan(r.mr[[a for a in r.starts if a < n]]).all()
    # the centre and limits are constant within a segment (step lines)
    for a, b in zip(r.starts, (*r.starts[1:], n), strict=True):
        for arr in (r.centre, r.lower, r.upper, r.url):
            seg = arr[a:b]
            assert np.isnan(seg).all() or (seg == seg[0]).all()
    assert r.provisional == tuple(
        b - a < baseline for a, b in zip(r.starts, (*r.starts[1:], n), strict=True)
    )
    assert r.special == bool(r.flagged.any())


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=False),
    st.integers(0, 60),
    changes,
    baselines,
)
def test_a_constant_series_has_no_signal(c, n, change, baseline):
    r = spc.xmr([c] * n, change=change, baseline=baseline, floor=None)
    assert not r.special
    assert spc.summary(r) == ("common cause only" if n else "no data yet")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 100), min_size=20, max_size=20).filter(lambda b: len(set(b)) > 1),
    st.lists(st.floats(-0.9, 0.9), min_size=8, max_size=8),
    st.sampled_from([1, -1]),
)
def test_a_three_sigma_shift_after_the_baseline_is_flagged_by_rule_2_within_8_points(
    base, noise, sign
):
    b = np.array(base, dtype=float)
    centre = b.mean()
    sigma = np.abs(np.diff(b)).mean() / 1.128
    after = centre + sign * 3 * sigma * (1 + np.array(noise))
    x = np.concatenate([b, after])
    # the chart as it grows week by week: by the 8th week after the shift it is flagged
    r = spc.xmr(x, baseline=20, floor=None)
    assert r.signals["shift"][20:].all()
    assert spc.xmr(x[:28], baseline=20, floor=None).signals["shift"][27]
    assert "special cause" in spc.summary(r) and "run of 8" in spc.summary(r)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False),
        min_size=6,
        max_size=6,
        unique=True,
    ),
    st.booleans(),
)
def test_six_points_rising_or_falling_are_a_trend_and_five_are_not(v, rising):
    x = sorted(v, reverse=not rising)
    assert spc.xmr(x).signals["trend"].all()
    assert spc.xmr(x, floor=None).signals["trend"].all()
    assert not spc.xmr(x[:5], floor=None).signals["trend"].any()


@settings(max_examples=200, deadline=None)
@given(series(), changes, baselines, st.integers(-50, 50))
def test_moving_the_series_or_turning_it_upside_down_flags_the_same_points(x, change, baseline, k):
    # whole numbers, so that the means are exact and ties stay ties
    x = [v if math.isnan(v) else float(round(v)) for v in x]
    chart = spc.xmr(x, change=change, baseline=baseline, floor=None)
    with np.errstate(invalid="ignore"):  # a point within rounding of a limit may go either way
        near = [np.abs(chart.x - lim) < 1e-6 for lim in (chart.lower, chart.upper)]
        near.append(np.abs(chart.mr - chart.url) < 1e-6)
    assume(not np.any(near))
    r = as_sets(spc.xmr(x, change=change, baseline=baseline, floor=None))
    moved = as_sets(spc.xmr([v + k for v in x], change=change, baseline=baseline, floor=None))
    flipped = as_sets(spc.xmr([-v for v in x], change=change, baseline=baseline, floor=None))
    assert moved == r and flipped == r


@settings(max_examples=200, deadline=None)
@given(series(), baselines, st.data())
def test_once_the_baseline_is_in_later_weeks_do_not_move_limits_or_unflag_points(x, baseline, data):
    assume(len(x) > baseline)
    k = data.draw(st.integers(baseline, len(x)))
    full, part = spc.xmr(x, baseline=baseline), spc.xmr(x[:k], baseline=baseline)
    np.testing.assert_array_equal(part.centre, full.centre[:k])
    np.testing.assert_array_equal(part.upper, full.upper[:k])
    assert not part.provisional[0] and not full.provisional[0]
    for key in RULES:
        assert not (part.signals[key] & ~full.signals[key][:k]).any(), key


def test_the_limits_as_the_textbook_computes_them():
    x = [10, 12, 11, 15, 9, 10, 13, 12]  # mR: 2 1 4 6 1 3 1 -> mean 18/7
    r = spc.xmr(x, baseline=8, floor=None)
    c, mr_bar = 92 / 8, 18 / 7
    assert r.centre[0] == pytest.approx(c)
    assert r.mr_bar[0] == pytest.approx(mr_bar)
    assert r.upper[0] == pytest.approx(c + 2.66 * mr_bar)
    assert r.lower[0] == pytest.approx(c - 2.66 * mr_bar)
    assert r.url[0] == pytest.approx(3.268 * mr_bar)
    assert spc.BASELINE == 20
    # counts: a lower limit below zero is drawn at zero, and zero is then not outside it
    y = [0, 5, 0, 4, 1, 0, 6, 0]
    assert spc.xmr(y, floor=None).lower[0] < 0
    clipped = spc.xmr(y)
    assert clipped.lower[0] == 0 and not clipped.signals["outside"].any()


def test_limits_are_recomputed_after_a_marked_change():
    x = [10.0, 11, 9, 10, 12, 10] * 4 + [30.0, 31, 29, 30, 32, 30] * 4
    unmarked = spc.xmr(x)
    assert unmarked.signals["outside"][24:].all() and unmarked.signals["shift"][24:].all()
    marked = spc.xmr(x, change=[24])
    assert marked.starts == (0, 24)
    assert marked.centre[0] == pytest.approx(np.mean(x[:20]))
    assert marked.centre[24] == pytest.approx(np.mean(x[24:44]))
    # a deliberate, marked change is not a special cause: each regime is in control
    assert not marked.special
    assert math.isnan(marked.mr[24]), "the jump at the change is not a routine week-to-week change"
    # a short segment after a change gets provisional limits from the points it has
    short = spc.xmr(x[:27], change=[24])
    assert short.provisional == (False, True)
    assert short.centre[24] == pytest.approx(np.mean(x[24:27]))
    assert math.isnan(spc.xmr(x[:25], change=[24]).upper[24]), "one point gives no limits"


def test_runs_skip_points_on_the_centre_and_trends_skip_ties():
    # centre 0 (baseline of ten alternating points), then 7 above, one on the centre, 1 above
    base = [1.0, -1.0] * 5
    x = [*base, 2, 2, 2, 2, 2, 2, 2, 0, 2]
    r = spc.xmr(x, baseline=10, floor=None)
    assert r.centre[0] == 0
    assert np.flatnonzero(r.signals["shift"]).tolist() == [10, 11, 12, 13, 14, 15, 16, 18]
    assert not spc.xmr(x[:17], baseline=10, floor=None).signals["shift"].any(), "7 is not 8"
    # a tie inside a rise neither breaks nor counts: 1 2 2 3 4 5 6 is a trend, 1 2 2 3 4 5 not
    t = spc.xmr([1.0, 2, 2, 3, 4, 5, 6], floor=None)
    assert t.signals["trend"].all()
    assert not spc.xmr([1.0, 2, 2, 3, 4, 5], floor=None).signals["trend"].any()
    # a missing week breaks a run and a trend
    gap = [1.0, 2, 3, NAN, 4, 5, 6, 7]
    assert not spc.xmr(gap, floor=None).signals["trend"].any()


def test_summary_names_the_rules_and_weeks():
    x = [10.0, 11, 9, 10, 12, 10] * 4 + [30.0]
    r = spc.xmr(x)
    s = spc.summary(r, start_week=100)
    assert s.startswith("special cause: ")
    assert "outside the limits (week 124)" in s
    assert spc.summary(spc.xmr([])) == "no data yet"
    assert spc.summary(spc.xmr([1.0, 2, 1, 2])) == "common cause only"
    assert spc.special_causes(r)[0] == "outside the limits (week 24)"
    many = spc.xmr(
        [10.0, 11, 9, 10, 12, 10] * 4 + [30.0, 9, 30, 9, 30, 9, 9, 30, 9, 30, 9, 30, 9, 30]
    )
    weeks = [24, 26, 28, 31, 33, 35, 37]
    assert np.flatnonzero(many.signals["outside"]).tolist() == weeks
    assert spc.special_causes(many)[0] == "outside the limits (weeks 24, 26, 28, 31 … 37)"
    assert spc.special_causes(many, 1, brief=True)[0] == "outside the limits (7 weeks from week 25)"
    consecutive = spc.xmr([10.0, 11, 9, 10, 12, 10] * 4 + [30.0, 30, 9, 30])
    assert "(weeks 24-25 and 27)" in spc.summary(consecutive)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="baseline"):
        spc.xmr([1.0, 2.0], baseline=1)
    with pytest.raises(ValueError, match="arms"):
        spc.spc_option([], title="t", unit="u")
    three = [("A", np.ones(3)), ("B", np.ones(3)), ("C", np.ones(3))]
    with pytest.raises(ValueError, match="arms"):
        spc.spc_option(three, title="t", unit="u")


# --- the ECharts option --------------------------------------------------------------------


def _arms(n: int = 60, seed: int = 3) -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    a = rng.poisson(20, n).astype(float)
    a[40:] += 15
    b = rng.poisson(20, n).astype(float)
    b[5] = NAN
    return [("A", a), ("B", b)]


def _by_name(option: dict, name: str) -> list[dict]:
    return [s for s in option["series"] if s["name"] == name]


def _arm_series(option: dict, label: str) -> list[dict]:
    return [s for s in option["series"] if s["name"].startswith(label + " ")] + _by_name(
        option, label
    )


def test_option_series_have_one_entry_per_week_and_both_arms_share_one_scale():
    arms = _arms()
    o = spc.spc_option(arms, title="Persons waiting", unit="persons", change=[30])
    json.dumps(o, allow_nan=False)
    assert len(o["xAxis"]) == 2 and len(o["yAxis"]) == 2
    assert o["xAxis"][0]["data"] == o["xAxis"][1]["data"] == list(range(60))
    values = [s for s in o["series"] if s["name"] in ("A", "B")]
    assert [s["name"] for s in values] == ["A", "B"]
    for s in values:
        assert s["xAxisIndex"] == 0 and s["yAxisIndex"] == 0
    for label, _ in arms:
        arm = _arm_series(o, label)
        assert len(arm) == 7 + len(spc.RULES)
        assert all(len(s["data"]) == 60 for s in arm)
        ranges = [s for s in arm if s["name"] == f"{label} moving range"]
        assert ranges[0]["yAxisIndex"] == 1
    # the values as drawn: rounded, a missing week as None
    assert values[1]["data"][5] is None
    assert values[0]["data"] == [float(v) for v in arms[0][1]]
    # both grids zoom together; axis names carry the units
    assert all(z["xAxisIndex"] == [0, 1] for z in o["dataZoom"])
    assert o["xAxis"][1]["name"] == "week"
    assert o["yAxis"][0]["name"] == "persons" and "persons" in o["yAxis"][1]["name"]
    assert o["toolbox"]["feature"]["saveAsImage"]


def test_option_colours_and_line_styles_tell_the_arms_apart():
    o = spc.spc_option(_arms(), title="t", unit="u")
    for label, colour, dash in (("A", palette.ARM_A, "solid"), ("B", palette.ARM_B, "dashed")):
        lines = [s for s in _arm_series(o, label) if s["type"] == "line"]
        assert {s["lineStyle"]["color"] for s in lines} == {colour}
        assert {s["lineStyle"]["type"] for s in lines} == {dash}
        marks = [s for s in _arm_series(o, label) if s["type"] == "scatter"]
        assert {s["itemStyle"].get("color") for s in marks} >= {palette.SIGNAL}
        assert all(
            palette.SIGNAL in (s["itemStyle"]["color"], s["itemStyle"]["borderColor"])
            for s in marks
        )
    assert set(o["legend"]["data"]) >= {"A", "B", "A limits", "B centre"}


def test_option_flags_the_points_the_rules_flag_with_tooltips_naming_the_rules():
    arms = _arms()
    o = spc.spc_option(arms, title="t", unit="persons", change=[30], start_week=10)
    for label, x in arms:
        r = spc.xmr(x, change=[20])  # week 30 is index 20
        assert r.special or label == "B"
        for key, text in spc.RULES.items():
            (s,) = _by_name(o, f"{label} special cause: {text}")
            drawn = [i for i, d in enumerate(s["data"]) if d is not None]
            assert drawn == np.flatnonzero(r.signals[key]).tolist(), (label, key)
            values = r.mr if key == "range" else r.x
            for i in drawn:
                assert s["data"][i]["value"] == pytest.approx(values[i], rel=1e-3)
                tip = s["data"][i]["tooltip"]["formatter"]
                assert f"week {10 + i}" in tip and text in tip
    (a,) = _by_name(o, "A special cause: rule 2: 8 or more in a row on one side of the centre")
    assert any(d is not None for d in a["data"]), "the shift at index 40 is drawn"


def test_option_marks_each_change_on_both_grids_and_says_which_cause_each_arm_shows():
    x = [10.0, 11, 9, 10, 12, 10] * 5
    o = spc.spc_option([("A", np.array(x)), ("B", np.array(x) + 5)], title="t", unit="u",
                       change=[112, 125, 500], start_week=100)  # fmt: skip
    markers = _by_name(o, "change")
    assert [s["xAxisIndex"] for s in markers] == [0, 1]
    for s in markers:
        assert [d["xAxis"] for d in s["markLine"]["data"]] == [12, 25], "week 500 is not charted"
        assert s["markLine"]["data"][0]["name"] == "change, week 112"
    texts = [g["style"]["text"] for g in o["graphic"]]
    assert texts[0].startswith("A: common cause") and texts[1].startswith("B: common cause")
    y = np.array([*x, 40.0])
    o = spc.spc_option([("A", y), ("B", np.array(x))], title="t", unit="u")
    texts = [g["style"]["text"] for g in o["graphic"]]
    assert texts == ["A: special cause (outside the limits, range jump)", "B: common cause only"]
    assert [g["style"]["fill"] for g in o["graphic"]] == [palette.ARM_A, palette.ARM_B]


def test_option_rounds_to_four_significant_digits_and_is_strict_json():
    x = np.array([123456.789, 0.000123456, NAN, np.inf, 2.0, -1.5e-7, 987654321.0])
    o = spc.spc_option([("A", x)], title="t", unit="£", floor=None)
    text = json.dumps(o, allow_nan=False)
    assert json.loads(text) == o
    assert _by_name(o, "A")[0]["data"] == [
        123500.0,
        0.0001235,
        None,
        None,
        2.0,
        -1.5e-07,
        987700000.0,
    ]
    # before the first week, and with one week: a valid, empty chart
    for n in (0, 1, 2):
        empty = spc.spc_option([("A", np.zeros(n)), ("B", np.zeros(n))], title="t", unit="u",
                               change=np.array([1]))  # fmt: skip
        json.dumps(empty, allow_nan=False)
        assert all(len(s["data"]) == n for s in empty["series"] if s["name"] != "change")


def test_caption_says_what_the_lines_are_and_what_each_arm_shows():
    x = [10.0, 11, 9, 10, 12, 10] * 4
    cap = spc.spc_caption([("A", np.array([*x, 40.0])), ("B", np.array(x))], unit="persons")
    assert "centre" in cap and "limits" in cap and "20 weeks" in cap
    assert "solid for A and dashed for B" in cap
    assert "A shows special causes: outside the limits (week 24)" in cap
    assert "B shows only common-cause variation" in cap
    assert 2 <= cap.count(". ") + cap.endswith(".") <= 3
    changed = spc.spc_caption([("A", np.array(x))], change=[10])
    assert "recomputed after each change (week 10)" in changed
    assert "provisional" in changed, "the segment after week 10 has 14 weeks, fewer than 20"
    assert "no weeks yet" in spc.spc_caption([("A", np.zeros(0))])


# --- drawn by ECharts 5.4 ------------------------------------------------------------------


def _echarts() -> Path:
    from _ui import _assets

    path = Path(_assets()) / "echarts@5.4.0" / "dist" / "echarts.min.js"
    if not path.exists():
        pytest.fail(f"{path} is missing: scripts/solara-assets.sh fills Solara's CDN cache")
    return path


def test_echarts_draws_the_option_and_a_flagged_point_names_its_rule(browser):
    o = spc.spc_option(_arms(), title="Persons waiting", unit="persons", change=[30])
    page = browser.new_page(viewport={"width": 1000, "height": 600})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_content('<body style="margin:0"><div id="c" style="width:1000px;height:560px">')
    page.add_script_tag(path=str(_echarts()))
    page.evaluate(
        "o => { window.ch = echarts.init(document.querySelector('#c')); ch.setOption(o) }", o
    )
    assert errors == []
    counts = page.evaluate("() => ch.getModel().getSeries().map(s => s.getData().count())")
    assert counts == [len(s["data"]) for s in o["series"]]
    marks = page.evaluate(
        "() => ch.getModel().getSeries().filter(s => s.name === 'change')"
        ".map(s => s.getModel().get(['markLine', 'data']).length)"
    )
    assert marks == [1, 1]
    idx, s = next(
        (k, s) for k, s in enumerate(o["series"]) if s["name"].startswith("A special cause: rule 2")
    )
    i = next(i for i, d in enumerate(s["data"]) if d is not None)
    x, y = page.evaluate(
        f"() => ch.convertToPixel({{seriesIndex: {idx}}}, [{i}, {s['data'][i]['value']}])"
    )
    page.mouse.move(x + 40, y + 40)
    page.mouse.move(x, y)
    tip = page.locator("#c div", has_text="special cause").last
    tip.wait_for(timeout=5000)
    assert f"A, week {i}:" in tip.inner_text() and "rule 2" in tip.inner_text()
    page.close()
