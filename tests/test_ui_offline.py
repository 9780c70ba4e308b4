"""The web UI offline: every asset from the local cache, nothing from the internet.

``carecomplex ui`` checks Solara's CDN proxy cache against ``serve.CDN_PACKAGES`` at
start-up and names what is missing (unit tests, no browser). In a browser (Debian's
Chromium via Playwright), with the cache filled by scripts/solara-assets.sh, every
request that leaves localhost is blocked and recorded, and the server's own fall-back
to the public CDN points at a closed local port, so a file missing from the cache shows
as a failed request and a "Could not load URL" line in the server log. Then the About
view must draw its two Mermaid diagrams as SVG, and the whole app, every tab opened,
must load with no request leaving localhost, none failing and no console error.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from _ui import ARTIFACTS, ROOT, _assets, _free_port, serve
from carecomplex.ui import serve as ui_serve

# Where the server would fetch a file missing from its cache: a closed local port, so a
# miss fails fast, is logged, and nothing leaves the machine.
DEAD_CDN = "http://127.0.0.1:9/"
LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|^(data|blob|about):")


# --- the start-up check (no browser) -------------------------------------------------


def test_an_empty_cache_lacks_every_package_and_the_message_names_them(tmp_path):
    missing = ui_serve.missing_assets(tmp_path)
    assert missing == list(ui_serve.CDN_PACKAGES)
    msg = ui_serve.assets_message(tmp_path, missing)
    assert msg is not None
    for spec in ("mermaid@10.8.0", "echarts@5.4.0", "requirejs@2.3.6"):
        assert spec in msg
    assert f"bash scripts/solara-assets.sh {tmp_path}" in msg
    assert f"{len(missing)} of {len(ui_serve.CDN_PACKAGES)}" in msg


def test_a_partly_filled_cache_names_only_what_is_missing(tmp_path):
    for spec in ui_serve.CDN_PACKAGES:
        if spec != "mermaid@10.8.0":
            (tmp_path / spec).mkdir(parents=True)
            (tmp_path / spec / "package.json").write_text("{}")
    (tmp_path / "mermaid@10.8.0" / "dist").mkdir(parents=True)  # a fetch cut short
    assert ui_serve.missing_assets(tmp_path) == ["mermaid@10.8.0"]
    msg = ui_serve.assets_message(tmp_path, ["mermaid@10.8.0"])
    assert msg is not None and "1 of" in msg and "echarts" not in msg
    (tmp_path / "mermaid@10.8.0" / "package.json").write_text("{}")
    assert ui_serve.missing_assets(tmp_path) == []
    assert ui_serve.assets_message(tmp_path, []) is None


def test_the_check_looks_where_solara_will_look(tmp_path, monkeypatch):
    assert ui_serve.cache_dir({ui_serve.CACHE_VAR: str(tmp_path)}) == tmp_path
    default = ui_serve.cache_dir({})
    assert default.parts[-3:] == ("share", "solara", "cdn")
    # Solara's default cache is not where to fill: the message names ~/.cache/solara-cdn
    msg = ui_serve.assets_message(default, ["x@1"])
    assert msg is not None and str(ui_serve.CDN_CACHE) in msg
    monkeypatch.setattr(ui_serve, "CDN_CACHE", tmp_path / "absent")
    monkeypatch.delenv(ui_serve.CACHE_VAR, raising=False)
    assert ui_serve.CACHE_VAR not in ui_serve.environment()
    monkeypatch.setattr(ui_serve, "CDN_CACHE", tmp_path)
    assert ui_serve.environment()[ui_serve.CACHE_VAR] == str(tmp_path)


def test_carecomplex_ui_says_what_is_missing_before_serving(tmp_path):
    """`carecomplex ui` with an empty cache prints the message, then serves anyway."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "carecomplex.cli", "ui", "--port", str(port)],
        env={**os.environ, ui_serve.CACHE_VAR: str(tmp_path), "SOLARA_ASSETS_CDN": DEAD_CDN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
    assert first.startswith("carecomplex: warning: Solara's front-end cache")
    assert "mermaid@10.8.0" in first and "bash scripts/solara-assets.sh" in first


def test_the_script_fills_exactly_the_list_serve_checks():
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "solara-assets.sh"), "--list"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert out == list(ui_serve.CDN_PACKAGES)


# --- in a browser ---------------------------------------------------------------------


@dataclass
class Traffic:
    """What a page asked for: requests blocked (left localhost), failed, console errors."""

    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cdn: set[str] = field(default_factory=set)

    def clean(self, log: Path) -> str:
        """An empty string if nothing went wrong, else what did."""
        missed = [ln for ln in log.read_text().splitlines() if "Could not load URL" in ln]
        bad = {
            "left localhost": self.outside,
            "failed": self.failed,
            "console errors": self.errors,
            "missing from the cache (server log)": missed,
        }
        return "; ".join(f"{k}: {v}" for k, v in bad.items() if v)


def _watch(browser: Any) -> tuple[Any, Any, Traffic]:
    """A page whose requests outside localhost are blocked, with its traffic recorded."""
    traffic = Traffic()
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})

    def route(r: Any) -> None:
        if LOCAL.match(r.request.url):
            r.continue_()
        else:
            traffic.outside.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.set_default_timeout(120_000)

    def request(r: Any) -> None:
        if "/_solara/cdn/" in r.url:
            m = re.search(r"/_solara/cdn/((?:@[^/]+/)?[^/]+)/", r.url)
            traffic.cdn.add(m.group(1) if m else r.url)

    page.on("request", request)
    page.on("requestfailed", lambda r: traffic.failed.append(f"{r.url} ({r.failure})"))
    page.on(
        "response",
        lambda r: traffic.failed.append(f"{r.url} ({r.status})") if r.status >= 400 else None,
    )
    page.on("console", lambda m: traffic.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: traffic.errors.append(str(e)))
    return ctx, page, traffic


def _ready(base: str) -> bool:
    """True once the server answers ``/readyz``."""
    with contextlib.suppress(OSError), urllib.request.urlopen(base + "/readyz", timeout=2) as r:
        return r.status == 200
    return False


@contextmanager
def _serve_about(log: Path) -> Iterator[str]:
    """``solara run tests/ui_about_page.py`` (the About view alone) on a free port."""
    port = _free_port()
    env = {**ui_serve.environment(), ui_serve.CACHE_VAR: _assets(), "SOLARA_ASSETS_CDN": DEAD_CDN}
    cmd = ui_serve.command("127.0.0.1", port, app=str(ROOT / "tests" / "ui_about_page.py"))
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                if _ready(base):
                    break
                time.sleep(0.5)
            else:
                pytest.fail(f"the About page did not start in 60 s (log: {log})")
            yield base + "/"
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)


SVG_TEXT = "els => els.map(e => (e.querySelector('svg') || {textContent: ''}).textContent)"


def test_about_draws_both_diagrams_offline(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "offline-about.log"
    with _serve_about(log) as url:
        ctx, page, traffic = _watch(browser)
        page.goto(url)
        page.locator(".mermaid svg").nth(1).wait_for()
        texts = page.eval_on_selector_all(".mermaid", SVG_TEXT)
        page.screenshot(path=str(ARTIFACTS / "ui-about.png"), full_page=True)
        page.wait_for_timeout(1000)  # late requests (fonts) would show now
        ctx.close()
    assert len(texts) == 2
    kim, week = texts
    assert all(q in kim for q in ("Relationships", "Thinking", "Actions", "Results"))
    assert all(s in week for s in ("Life", "Crisis", "Access", "Support", "Workforce", "Costs"))
    assert "Syntax error" not in kim + week
    assert {"mermaid@10.8.0", "requirejs@2.3.6"} <= traffic.cdn
    problems = traffic.clean(log)
    assert not problems, problems


def test_every_tab_of_the_app_loads_from_localhost_only(browser):
    with serve(log="offline-app", SOLARA_ASSETS_CDN=DEAD_CDN) as server:
        ctx, page, traffic = _watch(browser)
        page.goto(server.url)
        tabs = page.get_by_role("tab")
        tabs.first.wait_for()
        names = [t.inner_text() for t in tabs.all()]
        for i in range(len(names)):
            tabs.nth(i).click()
            page.wait_for_timeout(3000)  # each tab mounts its view (lazy) and loads its assets
        page.wait_for_timeout(2000)
        ctx.close()
    problems = traffic.clean(ARTIFACTS / "offline-app.log")
    assert not problems, f"tabs {names}: {problems}"
    assert traffic.cdn <= set(ui_serve.CDN_PACKAGES), traffic.cdn - set(ui_serve.CDN_PACKAGES)


def test_the_page_declares_english():
    with serve() as server, urllib.request.urlopen(server.url, timeout=30) as r:
        html = r.read().decode()
    assert '<html lang="en">' in html
