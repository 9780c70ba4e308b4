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
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CARECOMPLEX_CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DRAWN = "() => [...document.querySelectorAll('img')].filter(i => i.naturalWidth > 200).length"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assets() -> str:
    """Solara's CDN cache, filled from npm if empty (scripts/solara-assets.sh)."""
    cache = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or str(
        Path.home() / ".cache" / "solara-cdn"
    )
    subprocess.run(["bash", str(ROOT / "scripts" / "solara-assets.sh"), cache], check=True)
    return cache


@pytest.fixture(scope="module")
def url():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    port = _free_port()
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": _assets()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "carecomplex.cli", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the UI server did not become ready in 60 s")
        yield base + "/"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS)
        yield b
        b.close()


def _open(browser, url):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_function(f"({DRAWN})() >= 1")
    return ctx, page


def _status(page) -> str:
    return page.locator(".cc-status").inner_text()


def _wait_status(page, text: str) -> None:
    page.locator(".cc-status", has_text=text).wait_for()


def _src(page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.map(e => e.src)")


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"ui-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_student_session_in_chromium(browser, url):
    ctx, page = _open(browser, url)
    _wait_status(page, "Week 0 of")
    first = _src(page)
    page.get_by_role("button", name="Step", exact=True).click()
    _wait_status(page, "Week 4 of")
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
    _shot(page, "compare")
    if os.environ.get("CARECOMPLEX_UPDATE_SCREENSHOT") == "1":
        shutil.copy(ARTIFACTS / "ui-compare.png", ROOT / "docs" / "img" / "ui.png")

    # Bad values give messages, and the run goes on as it was.
    week = _status(page).split(" of")[0]
    page.get_by_label("Seed").fill("")
    page.get_by_label("Seed").press("Enter")
    page.get_by_label("Persons").fill("lots")
    page.get_by_label("Persons").press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Enter a seed").wait_for()
    page.get_by_text("Enter a whole number of persons").wait_for()
    page.get_by_text("Not reset").wait_for()
    assert _status(page).startswith(week)
    _shot(page, "bad-input")

    # Change a control and reset: a new seed, a fresh run.
    before = _src(page)
    page.get_by_label("Seed").fill("7")
    page.get_by_label("Seed").press("Enter")
    page.get_by_label("Persons").fill("1500")
    page.get_by_label("Persons").press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    _wait_status(page, "seed 7")
    assert _status(page).startswith("Week 0 of") and "1,500 persons" in _status(page)
    assert page.get_by_text("Not reset").count() == 0
    page.wait_for_function(f"({DRAWN})() >= 1")
    assert _src(page) != before
    page.get_by_role("button", name="Step", exact=True).click()
    _wait_status(page, "Week 4 of")

    # Every view draws.
    for tab in ("Network", "Kim loop", "SPC", "Journey"):
        page.get_by_role("tab", name=tab).click()
        name = tab.lower().replace(" ", "-")
        page.wait_for_function(
            f"() => [...document.querySelectorAll('.cc-{name} img')]"
            ".some(i => i.naturalWidth > 200 && i.offsetParent !== null)"
        )
        page.wait_for_timeout(1000)  # the tab's slide transition
        _shot(page, name)
    page.get_by_role("tab", name="Experiments").click()
    page.get_by_role("button", name="Set up: Switch off continuity").click()
    _wait_status(page, "A: alliance vs B: alliance")
    _shot(page, "experiment")
    ctx.close()


def test_two_sessions_step_independent_models(browser, url):
    c1, p1 = _open(browser, url)
    c2, p2 = _open(browser, url)
    for _ in range(2):
        p1.get_by_role("button", name="Step", exact=True).click()
        p1.get_by_role("button", name="Step", exact=True).wait_for()
    _wait_status(p1, "Week 8 of")
    assert _status(p2).startswith("Week 0 of"), "the other session's model did not move"
    p2.get_by_role("button", name="Step", exact=True).click()
    _wait_status(p2, "Week 4 of")
    assert _status(p1).startswith("Week 8 of")
    c1.close()
    c2.close()
