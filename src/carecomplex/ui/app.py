"""The carecomplex web UI: ``carecomplex ui`` or ``solara run carecomplex.ui.app``.

Each browser session builds its own :class:`~carecomplex.ui.session.Session` inside
:func:`Page` (``use_memo``), so two students never share a model. Playing steps the
pair on a background thread (``use_thread``) a few weeks per tick, with a short pause
between ticks, so the page stays responsive.

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

from carecomplex.ui.controls import Controls, ExperimentsView
from carecomplex.ui.session import Draft, Session, live_sessions, validate
from carecomplex.ui.views import CompareView, JourneyView, KimView, NetworkView, SPCView

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

TABS = ("Compare", "Network", "Kim loop", "SPC", "Journey", "Experiments")
PAUSE = 0.05  # seconds between ticks while playing: lets clicks and typing through


@solara.component
def Page():
    """The whole app for one browser session."""
    session = solara.use_memo(Session, [])
    tick = solara.use_reactive(0)
    draft = solara.use_reactive(Draft())
    errors = solara.use_reactive({})
    message = solara.use_reactive("")
    playing = solara.use_reactive(False)
    weeks = solara.use_reactive(4)
    tab = solara.use_reactive(0)
    latency = solara.use_reactive(0.0)

    def step_once() -> None:
        t0 = time.perf_counter()
        session.advance(weeks.value)
        latency.set(1000 * (time.perf_counter() - t0))
        tick.set(tick.value + 1)

    def play_loop(cancel) -> None:
        if not playing.value:
            return
        while not cancel.is_set() and not session.done:
            step_once()
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

    solara.Title("carecomplex")
    with solara.AppBar():
        solara.Text("carecomplex: siloed vs alliance care, side by side")
    with solara.Sidebar():
        Controls(draft, errors, message, playing, weeks, step_once, reset, session)
    # bottom padding: room below the last row of plots (Solara's corner badge is off, serve.py)
    with solara.Column(style={"padding": "8px 8px 48px 8px"}):
        StatusBar(session, tick, latency)
        with solara.lab.Tabs(value=tab, lazy=True):
            with solara.lab.Tab(TABS[0]), solara.Column(classes=["cc-compare"]):
                CompareView(session, tick)
            with solara.lab.Tab(TABS[1]), solara.Column(classes=["cc-network"]):
                NetworkView(session, tick)
            with solara.lab.Tab(TABS[2]), solara.Column(classes=["cc-kim-loop"]):
                KimView(session, tick)
            with solara.lab.Tab(TABS[3]), solara.Column(classes=["cc-spc"]):
                SPCView(session, tick)
            with solara.lab.Tab(TABS[4]), solara.Column(classes=["cc-journey"]):
                JourneyView(session, tick)
            with solara.lab.Tab(TABS[5]), solara.Column(classes=["cc-experiments"]):
                ExperimentsView(draft, tab, reset, TABS)


@solara.component
def StatusBar(session: Session, tick: solara.Reactive[int], latency: solara.Reactive[float]):
    """Where the run is: week, size, seed, scenarios, last step time."""
    _ = tick.value
    s = session.settings
    n = s.base_params.population.persons
    solara.Text(
        f"Week {session.week} of {session.arms[0].model.n_weeks} · {n:,} persons · "
        f"seed {s.seed} · A: {s.base} vs B: {s.alt} · same seed, same life events · "
        f"last step {latency.value:.0f} ms",
        classes=["cc-status"],
    )
