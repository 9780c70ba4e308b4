"""Sidebar controls generated from the parameter definitions, and guided experiments.

Labels, ranges, units and the one-line meaning of every lever and world parameter come
from :func:`carecomplex.params.describe`. Text fields keep what the user typed; it is
checked on *Reset*, and a bad value shows a message under its field instead of
stopping the page.
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

HINT = "font-size: 11px; color: #666; margin: -6px 0 8px 0; line-height: 1.2"


def _label(key: str) -> str:
    m = META[key]
    return f"{m['name'].replace('_', ' ')} ({m['unit']})"


@solara.component
def LeverSlider(draft: solara.Reactive[Draft], name: str):
    """One regime lever of arm B as a slider with its range, unit and meaning."""
    m = lever_meta(name)
    value = draft.value.levers[name]

    def set_value(v: float) -> None:
        draft.set(draft.value.with_(levers={**draft.value.levers, name: v}))

    label = f"{_label(f'regime.{name}')}: {value:g}"
    if isinstance(m["default"], int) and not isinstance(m["default"], bool):
        solara.SliderInt(label, int(value), min=int(m["lo"]), max=52, on_value=set_value)
    else:
        solara.SliderFloat(
            label, float(value), min=m["lo"], max=m["hi"], step=0.05, on_value=set_value
        )
    solara.Text(m["doc"], style=HINT)


@solara.component
def WorldInput(draft: solara.Reactive[Draft], errors: solara.Reactive[dict], key: str):
    """A world parameter (the same in both arms) typed as text."""

    def set_text(t: str | None) -> None:
        draft.set(draft.value.with_(world={**draft.value.world, key: t or ""}))

    m = META[key]
    solara.InputText(
        _label(key),
        value=draft.value.world[key],
        on_value=set_text,
        error=errors.value.get(key, False),
        message=f"{m['doc']} Allowed {m['lo']:g} to {m['hi']:g}.",
        dense=True,
    )


@solara.component
def Controls(
    draft: solara.Reactive[Draft],
    errors: solara.Reactive[dict],
    message: solara.Reactive[str],
    playing: solara.Reactive[bool],
    weeks: solara.Reactive[int],
    step_once: Callable[[], None],
    reset: Callable[[], None],
    session: Session,
):
    """Run buttons, scenarios, seed, size, levers of arm B and world parameters."""
    d = draft.value
    err = errors.value

    def set_alt(name: str) -> None:
        draft.set(d.with_(alt=name, levers=scenario_levers(name)))

    with solara.Row():
        solara.Button("Step", on_click=step_once, disabled=playing.value, color="primary")
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=lambda: playing.set(not playing.value),
            color="primary",
        )
        solara.Button("Reset", on_click=reset, color="warning")
    solara.SliderInt("Weeks per step", value=weeks, min=1, max=13)
    if message.value:
        solara.Error(message.value, classes=["cc-message"])
    if "scenario" in err:
        solara.Error(err["scenario"])
    solara.Text("Changes below take effect on Reset.", style=HINT)
    solara.Select(
        "Scenario A", values=SCENARIOS, value=d.base, on_value=lambda v: draft.set(d.with_(base=v))
    )
    solara.Select("Scenario B (levers below)", values=SCENARIOS, value=d.alt, on_value=set_alt)
    solara.InputText(
        "Seed",
        value=d.seed,
        on_value=lambda t: draft.set(d.with_(seed=t or "")),
        error=err.get("seed", False),
        message="Both arms use this seed, so they share every life event.",
    )
    solara.InputText(
        "Persons",
        value=d.persons,
        on_value=lambda t: draft.set(d.with_(persons=t or "")),
        error=err.get("persons", False),
        message="Population size, 200 to 20,000 (a few thousand keeps the page quick).",
    )
    with solara.Details("Levers of arm B (regime presets: pick scenario B)", expand=True):
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
    with solara.Details("The world (both arms)"):
        for key in WORLD:
            WorldInput(draft, errors, key)


@solara.component
def ExperimentCard(exp: Experiment, start: Callable[[Experiment], None]):
    """One guided experiment in plain words, with a button that sets it up."""
    with solara.Card(exp.title, margin=0, style="margin-bottom: 12px"):
        solara.Markdown(f"**What changes.** {exp.do}\n\n**What to watch.** {exp.watch}")
        solara.Button(f"Set up: {exp.title}", on_click=lambda: start(exp), color="primary")


@solara.component
def ExperimentsView(
    draft: solara.Reactive[Draft],
    tab: solara.Reactive[int],
    reset: Callable[[], None],
    tabs: tuple[str, ...],
):
    """Guided experiments: each sets the controls, resets and opens the view to watch."""

    def start(exp: Experiment) -> None:
        base = Draft()
        draft.set(
            base.with_(
                base=exp.base,
                alt=exp.alt,
                seed=draft.value.seed,
                persons=draft.value.persons,
                levers={**scenario_levers(exp.alt), **exp.levers},
                world={**base.world, **exp.world},
            )
        )
        reset()
        tab.set(tabs.index(exp.view))

    solara.Markdown(
        "Each experiment changes one thing between arm A and arm B and runs both with the "
        "same seed, so the same people meet the same events. Press **Set up**, then "
        "**Play**, and look where it says."
    )
    for exp in EXPERIMENTS:
        ExperimentCard(exp, start)
