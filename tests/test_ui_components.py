"""Component tests of the web UI with ``solara.render`` (no browser), and of the pure
builders of its charts and tables (what the student sees, read without a browser)."""

from __future__ import annotations

import json
import threading
import time

import ipyvuetify as v
import numpy as np
import pytest
import solara
from hypothesis import given
from hypothesis import strategies as st

from _ui import render_view
from carecomplex.ui import app, charts
from carecomplex.ui import numbers as nb
from carecomplex.ui import views as vw
from carecomplex.ui.charts import ChartWidget
from carecomplex.ui.session import Draft, Session, parse_seed, validate
from carecomplex.ui.views import CompareView, CostsView, FlowView, KimView, SPCView

SMALL = Draft(persons="300")
VIEWS = [CompareView, CostsView, FlowView, KimView, SPCView]


@pytest.fixture(scope="module")
def session() -> Session:
    s = Session(SMALL)
    s.advance(8)
    return s


def _options(rc) -> list[dict]:
    return [dict(w.option) for w in rc.find(ChartWidget).widgets]


def _json(option: dict) -> str:
    return json.dumps(option, allow_nan=False)  # NaN is not JSON: the browser would choke


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_draws_and_redraws_when_the_model_steps(view, session):
    rc, tick = render_view(view, session)
    before = _options(rc)
    assert before, f"{view.__name__} draws charts"
    for opt in before:
        _json(opt)
    ticks = {w.tick for w in rc.find(ChartWidget).widgets}
    session.advance(4)
    tick.set(tick.value + 1)
    after = _options(rc)
    assert after != before, f"{view.__name__} did not redraw after 4 more weeks"
    assert {w.tick for w in rc.find(ChartWidget).widgets} == {t + 1 for t in ticks}
    assert all(w.alt for w in rc.find(ChartWidget).widgets), "every chart has alt text"


def _line_charts(s: Session) -> list[dict]:
    opts = [o for o, _ in vw.compare_options(s) + vw.costs_options(s) + vw.flow_options(s)]
    return [o for o in opts if o["xAxis"].get("name") == "week"] + [vw.kim_history_option(s)]


def test_week_charts_name_their_axes_and_hold_every_week_run(session):
    weeks = nb.weeks_run(session.arms[0])
    for opt in _line_charts(session):
        title = opt["title"]["text"]
        assert opt["yAxis"]["name"], f"{title}: y axis without a name"
        assert opt["legend"]["show"], f"{title}: no legend"
        assert opt["xAxis"]["max"] >= weeks
        for line in opt["series"]:
            assert len(line["data"]) == weeks, title
            assert [p[0] for p in line["data"]] == list(range(weeks))


def test_arms_keep_their_colours_and_b_is_dashed(session):
    for opt in _line_charts(session)[:-1]:
        a, b = opt["series"][:2]
        assert (a["color"], b["color"]) == (charts.palette.ARM_A, charts.palette.ARM_B)
        assert a["lineStyle"]["type"] == "solid" and b["lineStyle"]["type"] == "dashed"


def test_wellbeing_and_kim_qualities_are_drawn_on_zero_to_one(session):
    for opt in _line_charts(session):
        if "ellbeing" in opt["title"]["text"] or "Kim" in opt["title"]["text"]:
            assert (opt["yAxis"]["min"], opt["yAxis"]["max"]) == (0, 1), opt["title"]["text"]


def test_a_transition_is_marked_on_the_week_charts():
    s = Session(SMALL.with_(alt="transition"))
    s.advance(4)
    assert vw.switches(s) == [(104, "B switches")]
    for opt in _line_charts(s)[:-1]:
        mark = opt["series"][0]["markLine"]["data"]
        assert mark == [{"xAxis": 104, "name": "B switches"}]


def test_compare_table_shows_every_headline_row_for_both_arms(session):
    html = vw.compare_table_html(session)
    for r in nb.compare_rows(session):
        assert r["outcome"].strip() in html
    assert html.count("<tr>") == len(nb.compare_rows(session)) + 1
    assert "colgroup" in html, "fixed column widths: the layout does not jump"


def test_costs_split_into_failure_and_value_demand(session):
    for arm in session.arms:
        w = nb.weekly(arm)
        np.testing.assert_allclose(w["failure"] + w["value"], w["cost"], rtol=1e-12)
        assert (w["failure"] >= 0).all() and (w["value"] >= 0).all()


def test_weekly_costs_add_up_to_the_headline(session):
    for arm in session.arms:
        w = nb.weekly(arm)
        alive = arm.model.events[: len(w["cost"]), 22, 1].astype(float)  # Event.ALIVE, complex
        total = (w["cost"] * np.maximum(alive, 1) / 52).sum()
        py = alive.sum() / 52
        h = nb.headline(arm)["Cost per person-year, complex needs (£)"]
        assert total / py == pytest.approx(h, rel=1e-9)


@given(st.lists(st.floats(-1e6, 1e6), max_size=40), st.integers(1, 10))
def test_trailing_mean_matches_a_loop(y, k):
    got = vw.trailing(np.array(y), k)
    want = [np.mean(y[max(0, i - k + 1) : i + 1]) for i in range(len(y))]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_chart_numbers_are_json_and_close(x):
    y = charts.num(x)
    json.dumps(y, allow_nan=False)
    if y is not None:
        assert y == pytest.approx(x, rel=1e-3, abs=1e-300)


def test_differences_show_a_sign_and_no_scientific_notation():
    assert vw.fmt_diff(5.92e-05, 3) == "0.000"
    assert vw.fmt_diff(-0.0311, 3) == "−0.031"
    assert vw.fmt_diff(3710.2, 0) == "+3,710"
    assert vw.fmt_diff(float("nan")) == "–"


def test_kim_loop_drawing_shows_each_quality(session):
    arm = session.arms[1]
    val = nb.kim_values(arm)
    svg = vw.kim_loop_svg(arm.label, charts.palette.ARM_B, val)
    for k in nb.KIM:
        assert f">{val[k]:.2f}<" in svg and f">{k}<" in svg
    assert 'role="img"' in svg and "aria-label" in svg


def test_weekly_csv_holds_every_series(session):
    text = vw.weekly_csv(session)
    header = text.splitlines()[0].split(",")
    assert header[0] == "week" and "A_failure" in header and "B_queue_housing" in header
    assert len(text.splitlines()) == nb.weeks_run(session.arms[0]) + 1


def test_arms_share_life_events_with_the_same_seed(session):
    a, b = (arm.model.state.person for arm in session.arms)
    assert a.shocks.sum() > 0
    np.testing.assert_array_equal(a.shocks, b.shocks, "same seed, same life shocks (CRN)")


@pytest.mark.parametrize(
    ("text", "seed"), [(" 42 ", 42), ("1,000", 1000), ("7.0", 7), ("1_2", 12), ("0", 0)]
)
def test_seed_accepts_what_people_type(text, seed):
    assert parse_seed(text) == seed


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("seed", "", "Enter a seed"),
        ("seed", "abc", "whole number"),
        ("seed", "-3", "between 0"),
        ("seed", "2.5", "whole number"),
        ("persons", "lots", "whole number of persons"),
        ("persons", "50", "200 to 20,000"),
        ("persons", "2.5", "whole number of persons"),
        ("persons", "1e9", "200 to 20,000"),
        ("persons", "1,000,000", "use the CLI"),
    ],
)
def test_bad_values_give_a_message(field, value, words):
    settings, errors = validate(SMALL.with_(**{field: value}))
    assert settings is None
    assert words in errors[field], errors


def test_bad_world_value_names_the_allowed_range():
    d = SMALL.with_(world={**SMALL.world, "workforce.turnover": "0.5"})
    _, errors = validate(d)
    assert "out of range" in errors["workforce.turnover"]
    assert "0.1" in errors["workforce.turnover"]
    d = SMALL.with_(world={**SMALL.world, "capacity.caseload": "ten"})
    assert "not a number" in validate(d)[1]["capacity.caseload"]


def test_levers_apply_to_arm_b_only():
    d = SMALL.with_(base="alliance", alt="alliance", levers={**SMALL.levers, "continuity": 0.0})
    s, errors = validate(d)
    assert not errors
    assert s.base_params.regime.continuity == 0.9
    assert s.alt_params.regime.continuity == 0.0
    s, _ = validate(SMALL.with_(alt="transition", levers=Draft().levers))
    assert s.alt_params.transition.week >= 0, "a transition arm keeps its switch"
    assert s.alt_params.after.continuity == 0.9


@pytest.fixture
def small_page(monkeypatch):
    monkeypatch.setattr(app, "Session", lambda: Session(SMALL))
    monkeypatch.setattr(app, "Draft", lambda: SMALL)

    @solara.component
    def Host():
        with solara.AppLayout():
            app.Page()

    return Host


def _status(rc) -> str:
    return rc.find(v.Html, class_="cc-status").widget.children[0]


def _step(rc, week: int) -> None:
    """Click Step (it runs on a background thread) and wait for the status to say ``week``."""
    rc.find(v.Btn, children=["Step"]).widget.click()
    for _ in range(600):
        stepping = any(t.name == "carecomplex-step" for t in threading.enumerate())
        if _status(rc).startswith(f"Week {week} of") and not stepping:
            return
        time.sleep(0.05)
    pytest.fail(f"no week {week} after Step: {_status(rc)!r}")


def test_page_steps_resets_and_reports_bad_input(small_page):
    _, rc = solara.render(small_page(), handle_error=False)
    assert _status(rc).startswith("Week 0 of")
    _step(rc, 4)
    seed = rc.find(v.TextField, label="Seed").widget
    seed.v_model = ""
    seed.fire_event("focusout")
    rc.find(v.Btn, children=["Reset"]).widget.click()
    field = rc.find(v.TextField, label="Seed").widget
    assert field.error and "Enter a seed" in str(field.messages), "the message is under the field"
    assert rc.find(v.Alert).widgets, "a visible message says the run was not reset"
    assert _status(rc).startswith("Week 4 of"), "a bad value does not stop the run"
    field.v_model = "9"
    field.fire_event("focusout")
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert _status(rc).startswith("Week 0 of")
    assert "seed 9" in _status(rc)


def test_guided_experiment_sets_up_both_arms(small_page):
    _, rc = solara.render(small_page(), handle_error=False)
    rc.find(v.Tabs).widget.v_model = app.TABS.index("Experiments")
    rc.find(v.Btn, children=["Set up: Switch off continuity"]).widget.click()
    assert "A: alliance vs B: alliance" in _status(rc)
    assert rc.find(v.Tabs).widget.v_model == app.TABS.index("Compare"), "opens the view to watch"
    assert rc.find(v.Slider, label="continuity (probability): 0").widgets


def test_two_pages_have_independent_models(small_page):
    _, rc1 = solara.render(small_page(), handle_error=False)
    _, rc2 = solara.render(small_page(), handle_error=False)
    _step(rc1, 4)
    assert _status(rc2).startswith("Week 0 of")


def test_ui_command_serves_on_loopback_and_warns_otherwise(capsys, monkeypatch):
    from carecomplex.cli import build_parser
    from carecomplex.ui import serve

    args = build_parser().parse_args(["ui", "--port", "9001"])
    assert (args.host, args.port) == ("127.0.0.1", 9001)
    assert serve.command("127.0.0.1", 9001)[-6:-2] == ["--host", "127.0.0.1", "--port", "9001"]
    assert serve.is_loopback("localhost") and serve.is_loopback("::1")
    assert not serve.is_loopback("0.0.0.0")

    class Done:  # a server that has exited at once
        def __init__(self, cmd, env):
            pass

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", Done)
    assert serve.serve("0.0.0.0", 9001) == 0
    assert "not loopback" in capsys.readouterr().err


def test_ui_server_culls_vanished_sessions_unless_told_otherwise(monkeypatch):
    from carecomplex.ui import serve

    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    assert serve.environment()["SOLARA_KERNEL_CULL_TIMEOUT"] == serve.CULL_TIMEOUT == "10m"
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "1h")
    assert serve.environment()["SOLARA_KERNEL_CULL_TIMEOUT"] == "1h"


def test_ui_server_finds_the_offline_front_end_cache_unless_told_otherwise(monkeypatch, tmp_path):
    from carecomplex.ui import serve

    monkeypatch.delenv("SOLARA_ASSETS_PROXY_CACHE_DIR", raising=False)
    monkeypatch.setattr(serve, "CDN_CACHE", tmp_path / "missing")
    assert "SOLARA_ASSETS_PROXY_CACHE_DIR" not in serve.environment()
    monkeypatch.setattr(serve, "CDN_CACHE", tmp_path)
    assert serve.environment()["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path)
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", "/elsewhere")
    assert serve.environment()["SOLARA_ASSETS_PROXY_CACHE_DIR"] == "/elsewhere"


def test_sigterm_to_the_ui_command_stops_its_server(tmp_path):
    """`kill PID` of `carecomplex ui` must not leave the Solara server on the port."""
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "carecomplex.cli", "ui", "--port", str(port)],
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}/readyz"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the UI server did not become ready in 120 s")
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        with pytest.raises(OSError):  # nothing answers on the port any more
            urllib.request.urlopen(url, timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
        subprocess.run(["pkill", "-f", f"solara run .* --port {port} "], check=False)
