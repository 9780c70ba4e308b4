"""Component tests of the web UI with ``solara.render`` (no browser)."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara

from carecomplex.ui import app
from carecomplex.ui import figures as fg
from carecomplex.ui.session import Draft, Session, parse_seed, validate
from carecomplex.ui.views import CompareView, JourneyView, KimView, NetworkView, SPCView

SMALL = Draft(persons="300")


@pytest.fixture(scope="module")
def session() -> Session:
    s = Session(SMALL)
    s.advance(8)
    return s


def _images(rc) -> list[bytes]:
    return [bytes(w.value) for w in rc.find(widgets.Image).widgets]


def _render_view(view, session):
    tick = solara.reactive(0)

    @solara.component
    def Host():
        view(session, tick)

    _, rc = solara.render(Host(), handle_error=False)
    return rc, tick


@pytest.mark.parametrize("view", [CompareView, NetworkView, KimView, SPCView, JourneyView])
def test_each_view_draws_and_redraws_when_the_model_steps(view, session):
    rc, tick = _render_view(view, session)
    before = _images(rc)
    assert before and all(b[:4] == b"\x89PNG" for b in before), "views draw PNG figures"
    session.advance(4)
    tick.set(tick.value + 1)
    after = _images(rc)
    assert after != before, f"{view.__name__} did not redraw after 4 more weeks"


@pytest.mark.parametrize("weeks", [0, 8])
def test_week_axes_tick_whole_weeks_before_and_after_the_first_step(weeks):
    s = Session(SMALL)
    s.advance(weeks)
    figs = [fg.compare_figure(s), fg.kim_figure(s), fg.journey_figure(s, 0)]
    figs += [fg.spc_figure(s, name) for name in fg.SPC_SERIES]
    axes = [ax for f in figs for ax in f.axes if ax.get_xlabel() == "week"]
    assert axes, "the figures have week axes"
    for ax in axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert len(ticks) >= 2, f"{ax.get_title()!r}: {ticks}"
        assert all(float(t).is_integer() for t in ticks), f"{ax.get_title()!r}: {ticks}"


def test_spc_and_journey_selects_change_the_figure(session):
    for view, label, pick in ((SPCView, "Service", 5), (JourneyView, "Person", 1)):
        rc, _ = _render_view(view, session)
        before = _images(rc)
        sel = rc.find(v.Select, label=label).widget
        sel.v_model = sel.items[pick]
        assert _images(rc) != before, f"choosing another {label.lower()} redraws"


def test_compare_table_shows_both_arms(session):
    rc, _ = _render_view(CompareView, session)
    html = rc.find(tag="table").widget.unsafe_innerHTML
    assert "Cost per person-year, complex needs" in html
    rows = fg.compare_rows(session)
    assert {r["outcome"].strip() for r in rows} >= {"Wellbeing, complex needs (0-1)"}


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


def test_page_steps_resets_and_reports_bad_input(small_page):
    _, rc = solara.render(small_page(), handle_error=False)
    assert _status(rc).startswith("Week 0 of")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert _status(rc).startswith("Week 4 of")
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
    rc1.find(v.Btn, children=["Step"]).widget.click()
    assert _status(rc1).startswith("Week 4 of")
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
    import time
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
