"""The carecomplex web UI: ``carecomplex ui`` or ``solara run carecomplex.ui.app``.

Each browser session builds its own :class:`~carecomplex.ui.session.Session` inside
:func:`Page` (``use_memo``), so two students never share a model. *Step* and *Play*
step the pair on a background thread, so the page stays responsive and shows a busy
bar; only the open tab is rendered, so a step redraws one view. Charts are drawn in
the browser (ECharts, :mod:`carecomplex.ui.charts`) from a few kilobytes of numbers.

Mesa's ``SolaraViz`` drives one model with one controller; the paired, same-seed
comparison here needs two models stepped together and validated text inputs, so the
page is built from plain Solara components instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading
import time
from collections.abc import Callable

import solara

from carecomplex.ui.about import About
from carecomplex.ui.controls import ExperimentPanel, ExperimentsView, RunBar, Settings
from carecomplex.ui.experiments import EXPERIMENTS, TABS
from carecomplex.ui.people import FamilyView, JourneyView, NetworkView
from carecomplex.ui.seeds import N_SEEDS, run_seeds
from carecomplex.ui.session import Draft, Session, live_sessions, validate
from carecomplex.ui.views import (
    CompareView,
    CostsView,
    FlowView,
    KimView,
    SeedsPanel,
    SeedsState,
    SPCView,
)

RELEASE_DELAY = 2.0  # seconds after a session closes: Solara has dropped its widgets by then


def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's ``malloc_trim`` (glibc), or None on another C library."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Collect a closed session's garbage and give the freed heap back to the system.

    Without the trim, glibc keeps the freed pages and the server's RSS stays at its
    high-water mark after the tabs close.
    """
    time.sleep(RELEASE_DELAY)
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
    sys.stderr.write(f"carecomplex: session closed; {live_sessions()} open\n")
    sys.stderr.flush()


def _on_kernel_start() -> Callable[[], None]:
    """When a session's kernel closes (tab closed, or culled), free its memory.

    Closing the kernel closes its render context, whose effect cleanup cancels the play
    loop; the loop holds the session, so ``live_sessions`` falling shows both went.
    """

    def cleanup() -> None:
        t = threading.Thread(target=release_memory, daemon=True, name="carecomplex-release")
        t.current_context = None  # type: ignore[attr-defined]  # not inside the closing kernel
        t.start()

    return cleanup


solara.lifecycle.on_kernel_start(_on_kernel_start)

VIEWS = {
    "Compare": CompareView,
    "Costs": CostsView,
    "Flow": FlowView,
    "SPC": SPCView,
    "Kim loop": KimView,
    "Network": NetworkView,
    "Journey": JourneyView,
    "Family": FamilyView,
}
PAUSE = 0.05  # seconds between ticks while playing: lets clicks and typing through

CSS = """
.cc-page { display: flex; gap: 20px; align-items: flex-start; padding: 8px 12px 48px 12px; }
.cc-side { flex: 0 0 340px; width: 340px; max-height: calc(100vh - 72px); overflow-y: auto;
           position: sticky; top: 8px; padding-right: 6px; }
.cc-main { flex: 1 1 0; min-width: 0; }
.cc-runbar { position: sticky; top: 0; z-index: 5; background: white;
             border-bottom: 1px solid #ddd; padding: 4px 0 2px 0; margin-bottom: 6px; }
.cc-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr));
           gap: 10px 18px; }
.cc-hint { font-size: 12px; color: #555; line-height: 1.3; margin: 0 0 10px 0; }
.cc-caption { display: block; font-size: 12px; color: #444; line-height: 1.3;
              margin: 0 0 8px 8px; }
.cc-status { font-size: 13px; }
@media (max-width: 700px) { .cc-tagline { display: none; } }
@media (max-width: 900px) {
  .cc-page { flex-direction: column; padding: 4px; }
  .cc-side { order: 2; position: static; max-height: none; flex: none; width: 100%; }
  .cc-main { width: 100%; }
  .cc-grid { grid-template-columns: 1fr; }
}
"""


@solara.component
def Page():
    """The whole app for one browser session."""
    session = solara.use_memo(Session, [])
    tick = solara.use_reactive(0)
    draft = solara.use_reactive(Draft())
    errors = solara.use_reactive({})
    message = solara.use_reactive("")
    playing = solara.use_reactive(False)
    busy = solara.use_reactive(False)
    weeks = solara.use_reactive(4)
    tab = solara.use_reactive(0)
    active = solara.use_reactive("")  # title of the guided experiment set up, if any
    latency = solara.use_reactive(0.0)

    def advance() -> None:
        """Step the pair, then tell the views and the status line in one render.

        The status line's week and the views' numbers change together (both read the
        tick), so the status never runs ahead of what is drawn.
        """
        t0 = time.perf_counter()
        session.advance(weeks.value)
        ms = 1000 * (time.perf_counter() - t0)
        tick.set(tick.value + 1)
        latency.set(ms)

    def step_once() -> None:
        """Step on a background thread; the busy bar shows until the view has the numbers."""
        if busy.value or playing.value or session.done:
            return
        busy.set(True)

        def work() -> None:
            try:
                advance()
            finally:
                busy.set(False)

        threading.Thread(target=work, daemon=True, name="carecomplex-step").start()

    def play_loop(cancel) -> None:
        if not playing.value:
            return
        while not cancel.is_set() and not session.done:
            advance()
            time.sleep(PAUSE)
        if session.done:
            playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)

    def reset() -> None:
        settings, errs = validate(draft.value)
        errors.set(errs)
        if settings is None:
            message.set("Not reset: correct the fields marked in red (the run goes on as it was).")
            return
        playing.set(False)
        session.reset(settings)
        message.set("")
        tick.set(tick.value + 1)

    seeds = solara.use_reactive(SeedsState())
    cancel = solara.use_memo(threading.Event, [])

    def start_seeds() -> None:
        """Run the pair for N_SEEDS seeds on a background thread, reporting progress."""
        if seeds.value.running:
            return
        settings = session.settings
        cancel.clear()
        label = f"A: {settings.base} vs B: {settings.alt}, seeds {settings.seed} onwards"
        seeds.set(SeedsState(running=True, total=N_SEEDS, label=label))

        def progress(done: int, total: int) -> None:
            seeds.set(SeedsState(running=True, done=done, total=total, label=label))

        def work() -> None:
            try:
                res = run_seeds(settings, N_SEEDS, progress=progress, cancel=cancel)
                seeds.set(SeedsState(done=len(res.seeds), total=N_SEEDS, result=res, label=label))
            except Exception:
                seeds.set(SeedsState())
                raise

        threading.Thread(target=work, daemon=True, name="carecomplex-seeds").start()

    # A closed tab stops its seeds job.
    solara.use_effect(lambda: cancel.set, [])

    def seeds_panel() -> None:
        SeedsPanel(seeds, start_seeds, cancel.set)

    def open_view(name: str) -> None:
        tab.set(TABS.index(name))

    solara.Title("carecomplex: siloed vs alliance care")
    solara.Style(CSS)
    with solara.AppBar():
        solara.Text(
            "Same people, same life events, two ways of organising care",
            classes=["cc-tagline"],
        )
    name = TABS[tab.value]
    exp = next((e for e in EXPERIMENTS if e.title == active.value), None)
    with solara.Div(classes=["cc-page"]):
        with solara.Div(classes=["cc-main"]):
            with solara.Div(classes=["cc-runbar"]):
                RunBar(playing, busy, weeks, step_once, reset, session, tick, latency, message)
                # The tab bar only: the open view is rendered below it, alone, so a step
                # redraws one view and the bar stays on screen while scrolling.
                with solara.lab.Tabs(value=tab):
                    for t in TABS:
                        solara.lab.Tab(t)
            if exp is not None:
                ExperimentPanel(exp, session, tick, open_view, lambda: active.set(""))
            slug = name.lower().replace(" ", "-")
            with solara.Div(classes=[f"cc-{slug}", "cc-view"]).key(slug):
                if name == "About":
                    About()
                elif name == "Experiments":
                    ExperimentsView(draft, reset, open_view, active)
                elif name == "Compare":
                    CompareView(session, tick, seeds_panel)
                else:
                    VIEWS[name](session, tick)
        with solara.Div(classes=["cc-side"]):
            Settings(draft, errors, message)
