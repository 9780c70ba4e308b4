"""The run bar, the settings panel and the guided experiments.

The settings panel is generated from the parameter definitions.

Labels, ranges, units and the one-line meaning of every lever and world parameter come
from :func:`carecomplex.params.describe`. Text fields keep what the user typed; it is
checked on *Reset*, and a bad value shows its message under its own field, with the
panel holding it opened, instead of stopping the page.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from carecomplex.ui.experiments import EXPERIMENTS, Experiment
from carecomplex.ui.session import (
    LEVERS,
    META,
    SCENARIOS,
    WORLD,
    Draft,
    Session,
    lever_meta,
    scenario_levers,
)

HINT = "cc-hint"


def _label(key: str) -> str:
    m = META[key]
    return f"{m['group']}: {m['name'].replace('_', ' ')} ({m['unit']})"


@solara.component
def RunBar(
    playing: solara.Reactive[bool],
    busy: solara.Reactive[bool],
    weeks: solara.Reactive[int],
    step_once: Callable[[], None],
    reset: Callable[[], None],
    session: Session,
    tick: solara.Reactive[int],
    latency: solara.Reactive[float],
    message: solara.Reactive[str],
):
    """Step, Play/Pause, Reset, weeks per step, the status line and the busy bar."""
    _ = tick.value
    s = session.settings
    n = s.base_params.population.persons
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "6px"}):
        solara.Button(
            "Step",
            on_click=step_once,
            disabled=playing.value or busy.value or session.done,
            color="primary",
        )
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=lambda: playing.set(not playing.value),
            disabled=session.done,
            color="primary",
        )
        solara.Button("Reset", on_click=reset, color="warning", outlined=True)
        with solara.Div(style={"width": "200px", "padding": "0 8px"}):
            solara.SliderInt(f"Weeks per step: {weeks.value}", value=weeks, min=1, max=13)
        state = "running…" if busy.value or playing.value else "paused"
        if session.done:
            state = "finished"
        solara.Text(
            f"Week {session.week} of {session.arms[0].model.n_weeks} · {n:,} persons · "
            f"seed {s.seed} · A: {s.base} vs B: {s.alt} · {state} · "
            f"last step {latency.value:.0f} ms",
            classes=["cc-status"],
        )
    solara.ProgressLinear(busy.value or playing.value)
    if message.value:
        solara.Error(message.value, classes=["cc-message"], dense=True)


@solara.component
def LeverSlider(draft: solara.Reactive[Draft], name: str):
    """One regime lever of arm B as a slider with its range, unit and meaning."""
    m = lever_meta(name)
    value = draft.value.levers[name]

    def set_value(v: float) -> None:
        draft.set(draft.value.with_(levers={**draft.value.levers, name: v}))

    label = f"{m['name'].replace('_', ' ')} ({m['unit']}): {value:g}"
    if isinstance(m["default"], int) and not isinstance(m["default"], bool):
        solara.SliderInt(label, int(value), min=int(m["lo"]), max=52, on_value=set_value)
    else:
        solara.SliderFloat(
            label, float(value), min=m["lo"], max=m["hi"], step=0.05, on_value=set_value
        )
    solara.Text(m["doc"], classes=[HINT])


@solara.component
def WorldInput(draft: solara.Reactive[Draft], errors: solara.Reactive[dict], key: str):
    """A world parameter (the same in both arms) typed as text, its help below it."""

    def set_text(t: str | None) -> None:
        draft.set(draft.value.with_(world={**draft.value.world, key: t or ""}))

    m = META[key]
    solara.InputText(
        _label(key),
        value=draft.value.world[key],
        on_value=set_text,
        error=errors.value.get(key, False),
        continuous_update=False,
    )
    solara.Text(f"{m['doc']} Allowed {m['lo']:g} to {m['hi']:g}.", classes=[HINT])


@solara.component
def Settings(
    draft: solara.Reactive[Draft],
    errors: solara.Reactive[dict],
    message: solara.Reactive[str],
):
    """Scenarios, seed, size, levers of arm B and world parameters (applied on Reset)."""
    d = draft.value
    err = errors.value

    def set_alt(name: str) -> None:
        draft.set(d.with_(alt=name, levers=scenario_levers(name)))

    solara.Markdown("**Settings** (take effect on **Reset**)")
    if "scenario" in err:
        solara.Error(err["scenario"])
    solara.Select(
        "Scenario A", values=SCENARIOS, value=d.base, on_value=lambda v: draft.set(d.with_(base=v))
    )
    solara.Select("Scenario B (levers below)", values=SCENARIOS, value=d.alt, on_value=set_alt)
    solara.InputText(
        "Seed",
        value=d.seed,
        on_value=lambda t: draft.set(d.with_(seed=t or "")),
        error=err.get("seed", False),
        continuous_update=False,
    )
    solara.Text("Both arms use this seed, so they share every life event.", classes=[HINT])
    solara.InputText(
        "Persons",
        value=d.persons,
        on_value=lambda t: draft.set(d.with_(persons=t or "")),
        error=err.get("persons", False),
        continuous_update=False,
    )
    solara.Text(
        "Population size, 200 to 20,000 (a few thousand keeps the page quick).", classes=[HINT]
    )
    with solara.Details("Levers of arm B", expand=False):
        solara.Text(
            "Start from a preset, then move a lever; arm A keeps its scenario's levers.",
            classes=[HINT],
        )
        with solara.Row():
            for preset in ("siloed", "alliance"):
                solara.Button(
                    f"{preset} levers",
                    text=True,
                    on_click=lambda p=preset: draft.set(
                        draft.value.with_(levers=scenario_levers(p))
                    ),
                )
        for name in LEVERS:
            LeverSlider(draft, name)
    world_errors = any(k in err for k in WORLD)
    with solara.Details("The world (both arms)", expand=world_errors):
        for key in WORLD:
            WorldInput(draft, errors, key)


@solara.component
def ExperimentPanel(
    exp: Experiment,
    session: Session,
    tick: solara.Reactive[int],
    open_view: Callable[[str], None],
    close: Callable[[], None],
):
    """The experiment set up, kept on screen while playing.

    It shows the questions, what to look for and, once enough weeks have run, whether
    this run shows what the text says.
    """
    _ = tick.value
    with solara.Card(
        margin=0, style="margin: 4px 0 8px 0; background: #f4f8fb", classes=["cc-experiment"]
    ):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.Markdown(f"**Experiment: {exp.title}** (open view: {exp.view})")
            with solara.Row():
                solara.Button(f"Open {exp.view}", text=True, on_click=lambda: open_view(exp.view))
                solara.Button("Close", text=True, on_click=close)
        questions = "\n".join(f"- {q}" for q in exp.questions)
        solara.Markdown(f"{questions}\n\n**What to look for:** {exp.look_for}")
        with session.lock:
            checks = exp.check(session) if session.week >= exp.weeks else []
        if checks:
            lines = "\n".join(f"- {'✓' if ok else '✗'} {line}" for ok, line in checks)
            solara.Markdown(
                f"**This run, week {session.week}:**\n\n{lines}\n\n"
                f"**Over ten seeds the model showed:** {exp.found} Check yours with "
                "*Run 10 seeds* (Compare)."
            )
        else:
            solara.Text(
                f"Play to week {exp.weeks} to check this run against the lesson.",
                classes=[HINT],
            )


@solara.component
def ExperimentCard(exp: Experiment, start: Callable[[Experiment], None]):
    """One guided experiment in plain words, with a button that sets it up."""
    with solara.Card(exp.title, margin=0, style="margin-bottom: 12px"):
        questions = "\n".join(f"- {q}" for q in exp.questions)
        solara.Markdown(
            f"**What changes.** {exp.do}\n\n**Questions.**\n\n{questions}\n\n"
            f"**What to look for.** {exp.look_for} (view: {exp.view})"
        )
        solara.Button(f"Set up: {exp.title}", on_click=lambda: start(exp), color="primary")


@solara.component
def ExperimentsView(
    draft: solara.Reactive[Draft],
    reset: Callable[[], None],
    open_view: Callable[[str], None],
    active: solara.Reactive[str],
):
    """Guided experiments: each sets the controls, resets, opens its view and stays on screen."""

    def start(exp: Experiment) -> None:
        draft.set(exp.draft(draft.value.seed, draft.value.persons))
        reset()
        active.set(exp.title)
        open_view(exp.view)

    solara.Markdown(
        "Each experiment changes one thing between arm A and arm B and runs both with the "
        "same seed, so the same people meet the same events and both arms start from the "
        "same week 0. Press **Set up**, then **Play**; the questions stay above the view "
        "while it runs. One seed can mislead: check a result with **Run 10 seeds** "
        "(Compare)."
    )
    for exp in EXPERIMENTS:
        ExperimentCard(exp, start)
