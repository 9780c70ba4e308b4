"""Helpers for the browser tests of the web UI: a server, a Chromium, a session per context.

The server is ``carecomplex ui`` on a free localhost port; the browser is Debian's
Chromium driven by Playwright (no browser download). If Chromium is missing the tests
fail rather than skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
# Charts of the open view that ECharts has drawn (chart.vue sets data-tick when drawn).
DRAWN = (
    "() => [...document.querySelectorAll('.cc-view .cc-chart')]"
    ".filter(c => +c.dataset.tick >= 0).length"
)
# Click Step and time, in the page, until every chart of the open view shows the new tick.
CLICK_TO_DRAWN = """() => new Promise((resolve, reject) => {
  const charts = () => [...document.querySelectorAll('.cc-view .cc-chart')];
  const target = Math.max(...charts().map(c => +c.dataset.tick)) + 1;
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'STEP');
  let t0 = null;
  const start = () => {  // once Step is enabled (the last step has finished)
    if (button.disabled) return requestAnimationFrame(start);
    t0 = performance.now();
    button.click();
    requestAnimationFrame(poll);
  };
  const poll = () => {
    const cs = charts();
    if (cs.length && cs.every(c => +c.dataset.tick >= target)) resolve(performance.now() - t0);
    else if (performance.now() - t0 > 60000) reject(new Error('not drawn in 60 s'));
    else requestAnimationFrame(poll);
  };
  start();
})"""


@dataclass(frozen=True)
class Server:
    """A running UI server: its address and the process id of ``carecomplex ui``."""

    url: str
    pid: int


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


@contextmanager
def serve(log: str | None = None, **env: str) -> Iterator[Server]:
    """Run ``carecomplex ui`` on a free port until exit.

    ``env`` is added to the server's environment; with ``log``, its output goes to
    ``tests/artifacts/<log>.log``.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    out = (ARTIFACTS / f"{log}.log").open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "carecomplex.cli", "ui", "--port", str(port)],
        env={**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": _assets(), **env},
        stdout=out,
        stderr=subprocess.STDOUT,
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
        yield Server(base + "/", proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
        if log:
            out.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS)
        yield b
        b.close()


def open_session(browser: Any, url: str) -> tuple[Any, Any]:
    """A new browser context (its own cookies: its own Solara session) with the figures drawn."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.locator(".cc-status").wait_for()
    open_tab(page, "Compare")
    return ctx, page


def open_tab(page: Any, name: str) -> None:
    """Open a view's tab; for a view with charts, wait until they are drawn."""
    page.get_by_role("tab", name=name, exact=True).click()
    slug = name.lower().replace(" ", "-")
    page.locator(f".cc-view.cc-{slug}").wait_for()
    if page.locator(f".cc-view.cc-{slug} .cc-chart").count():
        page.wait_for_function(
            f"() => [...document.querySelectorAll('.cc-view.cc-{slug} .cc-chart')]"
            ".every(c => +c.dataset.tick >= 0)"
        )


def status(page: Any) -> str:
    """The status line: ``Week w of n · ...``."""
    return page.locator(".cc-status").inner_text()


def wait_status(page: Any, text: str) -> None:
    """Wait until the status line contains ``text``."""
    page.locator(".cc-status", has_text=text).wait_for()


def step(page: Any, week: int) -> None:
    """Click *Step* and wait until the status line says ``Week <week> of``."""
    page.get_by_role("button", name="Step", exact=True).click()
    wait_status(page, f"Week {week} of")


def shot(page: Any, name: str) -> Path:
    """A screenshot of the whole page in ``tests/artifacts/ui-<name>.png`` (committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"ui-{name}.png"
    # The app scrolls inside its layout, so a full-page shot is one window high: make the
    # window as tall as the content for the shot, then put it back.
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.cc-page')].map(e => e.scrollHeight), 0)"
    )
    if size and height + 90 > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": height + 90})
        page.wait_for_timeout(300)  # charts resize to the new window
    page.screenshot(path=str(path), full_page=True)
    if size:
        page.set_viewport_size(size)
    return path


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from the parent ids in ``/proc/*/stat``)."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        # the command name is in parentheses and may hold spaces: split after it;
        # a process that ends while we look is left out
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    tree = [pid]
    for p in tree:
        tree += [c for c, pp in parent.items() if pp == p]
    return tree


def _status(pid: int, field: str) -> int:
    """A number from ``/proc/<pid>/status`` (0 if the process has gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next(int(x.split()[1]) for x in lines if x.startswith(field + ":"))


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process and its children, in MiB."""
    return sum(_status(p, "VmRSS") for p in _tree(pid)) / 1024


def threads(pid: int) -> int:
    """Threads of a process and its children."""
    return sum(_status(p, "Threads") for p in _tree(pid))


def kernels(server: Server) -> int:
    """Live Solara kernels (one per open browser session) from the server's ``/resourcez``."""
    with urllib.request.urlopen(server.url + "resourcez", timeout=10) as r:
        return int(json.load(r)["kernels"]["total"])


def render_view(view: Any, session: Any) -> tuple[Any, Any]:
    """Render a view component with ``solara.render``: its render context and its tick."""
    import solara

    tick = solara.reactive(0)

    @solara.component
    def host():
        view(session, tick)

    _, rc = solara.render(host(), handle_error=False)
    return rc, tick
