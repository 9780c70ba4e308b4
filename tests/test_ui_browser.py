"""End-to-end tests of the web UI in a real headless Chromium (Debian's, via Playwright).

Starts ``carecomplex ui`` on a free localhost port and uses it as a student would: the
About view first, then every view stepping and playing, every guided experiment's set-up,
bad input, a phone-width window, and two sessions side by side. Throughout, no request
may leave localhost and the console must stay free of errors. Screenshots of every view
go to ``tests/artifacts/ui-<view>.png``; with ``CARECOMPLEX_UPDATE_SCREENSHOT=1`` the
Compare view is also copied to ``docs/img/ui.png`` for the README.

The time from a Step click to the open view fully drawn is measured in the page (at the
UI's default 2,000 persons) and written to ``tests/artifacts/ui-timing.json``: a figure
to report, not a timed assertion.

No browser is downloaded: CI installs Debian's ``chromium``. If it is missing these
tests fail rather than skip.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from _ui import (
    ARTIFACTS,
    CLICK_TO_DRAWN,
    ROOT,
    open_session,
    open_tab,
    serve,
    shot,
    status,
    step,
    wait_status,
)
from carecomplex.ui.app import TABS
from carecomplex.ui.experiments import EXPERIMENTS

VIEWS = [t for t in TABS if t not in ("About", "Experiments")]


@pytest.fixture(scope="module")
def server():
    with serve(log="ui-browser-server") as s:
        yield s


@pytest.fixture(scope="module")
def url(server):
    return server.url


class Watch:
    """Requests that leave localhost, failed requests and console errors of a page."""

    def __init__(self, page):
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _request(self, r) -> None:
        host = urlparse(r.url).hostname
        if r.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            return
        self.outside.append(r.url)

    def check(self) -> None:
        assert not self.outside, f"requests left localhost: {self.outside}"
        assert not self.failed, f"requests failed: {self.failed}"
        assert not self.errors, f"console errors: {self.errors}"


def _open(browser, url, **kw):
    ctx = browser.new_context(viewport=kw.pop("viewport", {"width": 1440, "height": 900}), **kw)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    watch = Watch(page)
    page.goto(url)
    page.locator(".cc-status").wait_for()
    return ctx, page, watch


def test_about_first_then_every_view_steps_and_draws(browser, url):
    ctx, page, watch = _open(browser, url)
    # A student lands on About: what the model is, what to press, a glossary, diagrams.
    about = page.locator(".cc-about")
    about.wait_for()
    assert (
        page.get_by_role("tab", name="About", exact=True).get_attribute("aria-selected") == "true"
    )
    assert "glossary" in about.inner_text().lower()
    page.locator(".cc-about svg").first.wait_for()  # the diagrams, drawn offline
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "about")

    timings: dict[str, list[float]] = {}
    week = 0
    for view in VIEWS:
        open_tab(page, view)
        charts = page.locator(".cc-view .cc-chart")
        assert charts.count() or page.locator(".cc-view svg").count(), f"{view} draws something"
        for chart in charts.all():
            assert chart.get_attribute("aria-label"), f"{view}: a chart without alt text"
        if charts.count():
            ms = [page.evaluate(CLICK_TO_DRAWN) for _ in range(3)]
            week += 3 * 4
            wait_status(page, f"Week {week} of")
            timings[view] = ms
        page.wait_for_timeout(300)
        shot(page, view.lower().replace(" ", "-"))
    all_ms = [m for ms in timings.values() for m in ms]
    report = {
        "persons": 2000,
        "weeks_per_step": 4,
        "median_ms": statistics.median(all_ms),
        "max_ms": max(all_ms),
        "per_view_ms": timings,
    }
    (ARTIFACTS / "ui-timing.json").write_text(json.dumps(report, indent=1))
    print(f"click to drawn at 2,000 persons: median {report['median_ms']:.0f} ms")

    # Play, then Pause while it runs: the page keeps answering.
    open_tab(page, "Compare")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.cc-status').innerText.split(' ')[1])"
        f" >= {week + 12}"
    )
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(500)
    shot(page, "compare")
    if os.environ.get("CARECOMPLEX_UPDATE_SCREENSHOT") == "1":
        shutil.copy(ARTIFACTS / "ui-compare.png", ROOT / "docs" / "img" / "ui.png")
    watch.check()
    ctx.close()


def test_bad_input_shows_where_it_was_typed(browser, url):
    ctx, page, watch = _open(browser, url)
    week = status(page).split(" of")[0]
    page.get_by_label("Persons", exact=True).fill("1e9")
    page.get_by_label("Persons", exact=True).press("Enter")
    page.get_by_label("Seed", exact=True).fill("")
    page.get_by_label("Seed", exact=True).press("Enter")
    page.get_by_text("The world (both arms)").click()  # open the panel, type a bad value
    page.get_by_label("workforce: turnover (1/week)").fill("2")
    page.get_by_label("workforce: turnover (1/week)").press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Not reset").wait_for()
    persons = page.get_by_text("The web UI runs 200 to 20,000 persons").first
    persons.wait_for()
    assert persons.is_visible(), "the persons error is under its field"
    page.get_by_text("Enter a seed").first.wait_for()
    world = page.locator(".cc-side").get_by_text("out of range").first
    world.wait_for()
    world.scroll_into_view_if_needed()
    assert world.is_visible(), "the world panel holding the bad value is open"
    assert status(page).startswith(week), "the run went on as it was"
    shot(page, "bad-input")

    # Corrected, the reset goes through: a new seed, a fresh run.
    page.get_by_label("Persons", exact=True).fill("1500")
    page.get_by_label("Persons", exact=True).press("Enter")
    page.get_by_label("Seed", exact=True).fill("7")
    page.get_by_label("Seed", exact=True).press("Enter")
    page.get_by_label("workforce: turnover (1/week)").fill("0.01")
    page.get_by_label("workforce: turnover (1/week)").press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_status(page, "seed 7")
    assert status(page).startswith("Week 0 of") and "1,500 persons" in status(page)
    assert page.get_by_text("Not reset").count() == 0
    watch.check()
    ctx.close()


def test_every_guided_experiment_sets_up_and_keeps_its_questions_on_screen(browser, url):
    ctx, page, watch = _open(browser, url)
    for exp in EXPERIMENTS:
        open_tab(page, "Experiments")
        page.get_by_role("button", name=f"Set up: {exp.title}").click()
        page.locator(".cc-status", has_text=f"A: {exp.base} vs B: {exp.alt}").filter(
            has_text="Week 0 of"
        ).wait_for()
        panel = page.locator(".cc-experiment")
        panel.wait_for()
        tab = page.get_by_role("tab", name=exp.view, exact=True)
        expect(tab).to_have_attribute("aria-selected", "true")  # it opens its view
        step(page, 4)
        assert exp.questions[0][:40] in panel.inner_text(), "the questions stay while it runs"
        assert exp.look_for[:40] in panel.inner_text()
        shot(page, "experiment-" + exp.title.lower().replace(" ", "-").replace(",", ""))
    watch.check()
    ctx.close()


def test_an_experiment_played_to_the_end_shows_its_lesson(browser, url):
    """The student's whole path: set up, play five years, read the verdict on screen."""
    exp = next(e for e in EXPERIMENTS if e.title == "The cost of changing")
    ctx, page, watch = _open(browser, url)
    open_tab(page, "Experiments")
    page.get_by_role("button", name=f"Set up: {exp.title}").click()
    page.locator(".cc-status", has_text="B: transition").filter(has_text="Week 0 of").wait_for()
    page.get_by_role("button", name="Play", exact=True).click()
    page.locator(".cc-status", has_text="finished").wait_for(timeout=180_000)
    panel = page.locator(".cc-experiment")
    panel.get_by_text(f"This run, week {exp.weeks}").wait_for()
    text = panel.inner_text()
    assert text.count("✓") == len(exp.lessons), text  # at seed 1 every lesson shows
    assert "Over ten seeds the model showed" in text
    shot(page, "experiment-played")
    watch.check()
    ctx.close()


@pytest.mark.parametrize("width", [800, 390])
def test_narrow_window_keeps_the_run_bar_and_charts_uncovered(browser, url, width):
    ctx, page, watch = _open(browser, url, viewport={"width": width, "height": 900})
    open_tab(page, "Compare")
    page.get_by_role("button", name="Step", exact=True).click()
    wait_status(page, "Week 4 of")
    page.mouse.wheel(0, 1200)  # scrolled down to the charts, the run bar is still there
    page.wait_for_timeout(300)
    bar = page.locator(".cc-runbar").bounding_box()
    button = page.get_by_role("button", name="Step", exact=True)
    assert button.is_visible() and bar is not None and bar["y"] >= 0
    side = page.locator(".cc-side").bounding_box()
    chart = page.locator(".cc-view .cc-chart").first.bounding_box()
    overlap = side["y"] < chart["y"] + chart["height"] and chart["y"] < side["y"] + side["height"]
    assert not overlap, "the settings do not cover the charts"
    button.click()
    wait_status(page, "Week 8 of")
    shot(page, f"width-{width}")
    watch.check()
    ctx.close()


def test_run_ten_seeds_gives_intervals_in_the_background(browser, url):
    ctx, page, watch = _open(browser, url)
    page.get_by_label("Persons", exact=True).fill("300")
    page.get_by_label("Persons", exact=True).press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_status(page, "300 persons")
    open_tab(page, "Compare")
    page.get_by_role("button", name="Run 10 seeds").click()
    page.get_by_text("running seed").wait_for()
    step(page, 4)  # the page still steps while the seeds run
    table = page.locator(".cc-seeds-table")
    table.wait_for(timeout=180_000)
    text = table.inner_text()
    assert "95 % interval" in text and "Crises per person-year" in text
    assert any(w in text for w in ("B lower", "B higher", "no clear difference"))
    assert "10 seeds" in page.locator(".cc-seeds").inner_text()
    shot(page, "run-10-seeds")
    watch.check()
    ctx.close()


def test_two_sessions_step_independent_models(browser, url):
    c1, p1 = open_session(browser, url)
    c2, p2 = open_session(browser, url)
    step(p1, 4)
    step(p1, 8)
    assert status(p2).startswith("Week 0 of"), "the other session's model did not move"
    p2.get_by_role("button", name="Step", exact=True).click()
    wait_status(p2, "Week 4 of")
    assert status(p1).startswith("Week 8 of")
    c1.close()
    c2.close()
