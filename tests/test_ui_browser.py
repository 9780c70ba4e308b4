"""End-to-end test of the web UI in a real headless Chromium (Debian's, via Playwright).

Starts ``carecomplex ui`` on a free localhost port, waits until the figures are drawn,
steps, plays, changes a control and resets, types bad values, and checks that two
browser sessions step independent models. Screenshots of every view go to
``tests/artifacts/``; with ``CARECOMPLEX_UPDATE_SCREENSHOT=1`` the Compare view is
also copied to ``docs/img/ui.png`` for the README.

No browser is downloaded: CI installs Debian's ``chromium``. If it is missing this
test fails rather than skips.
"""

from __future__ import annotations

import os
import shutil

import pytest

from _ui import ARTIFACTS, DRAWN, ROOT, open_session, serve, shot, status, step, wait_status


@pytest.fixture(scope="module")
def url():
    with serve() as server:
        yield server.url


def _src(page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.map(e => e.src)")


def test_student_session_in_chromium(browser, url):
    ctx, page = open_session(browser, url)
    wait_status(page, "Week 0 of")
    first = _src(page)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_status(page, "Week 4 of")
    page.wait_for_function(
        f"(old) => ({DRAWN})() >= 1 && !old.includes(document.querySelector('img').src)", arg=first
    )
    assert _src(page) != first, "the figures were redrawn after a step"

    # Play for a while; the page must keep answering (Pause is clickable mid-run).
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.cc-status').innerText.split(' ')[1]) >= 12"
    )
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    shot(page, "compare")
    if os.environ.get("CARECOMPLEX_UPDATE_SCREENSHOT") == "1":
        shutil.copy(ARTIFACTS / "ui-compare.png", ROOT / "docs" / "img" / "ui.png")

    # Bad values give messages, and the run goes on as it was.
    week = status(page).split(" of")[0]
    page.get_by_label("Seed").fill("")
    page.get_by_label("Seed").press("Enter")
    page.get_by_label("Persons").fill("lots")
    page.get_by_label("Persons").press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Enter a seed").first.wait_for()  # a leaving copy may linger
    page.get_by_text("Enter a whole number of persons").first.wait_for()
    page.get_by_text("Not reset").wait_for()
    assert status(page).startswith(week)
    shot(page, "bad-input")

    # Change a control and reset: a new seed, a fresh run.
    before = _src(page)
    page.get_by_label("Seed").fill("7")
    page.get_by_label("Seed").press("Enter")
    page.get_by_label("Persons").fill("1500")
    page.get_by_label("Persons").press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_status(page, "seed 7")
    assert status(page).startswith("Week 0 of") and "1,500 persons" in status(page)
    assert page.get_by_text("Not reset").count() == 0
    page.wait_for_function(f"({DRAWN})() >= 1")
    assert _src(page) != before
    page.get_by_role("button", name="Step", exact=True).click()
    wait_status(page, "Week 4 of")

    # Every view draws.
    for tab in ("Network", "Kim loop", "SPC", "Journey"):
        page.get_by_role("tab", name=tab).click()
        name = tab.lower().replace(" ", "-")
        page.wait_for_function(
            f"() => [...document.querySelectorAll('.cc-{name} img')]"
            ".some(i => i.naturalWidth > 200 && i.offsetParent !== null)"
        )
        page.wait_for_timeout(1000)  # the tab's slide transition
        shot(page, name)
    page.get_by_role("tab", name="Experiments").click()
    page.get_by_role("button", name="Set up: Switch off continuity").click()
    wait_status(page, "A: alliance vs B: alliance")
    shot(page, "experiment")
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
