"""The About view: what the model is, what to press, how to read the views, a glossary.

Like NetLogo's Info tab, for a student with no modelling background. The text is kept
in plain Python constants (Markdown), so the tests read exactly what the page shows;
:func:`markdown` joins them. The two diagrams are Mermaid flowcharts, drawn in the
browser by Solara's :func:`solara.Markdown` from ``mermaid@10.8.0`` in Solara's CDN
proxy cache (``scripts/solara-assets.sh`` fills it), so they work offline.

Every statement here is something the model does: see ``CareModel.step`` (the weekly
order), docs/ODD.md and docs/parameters.md.
"""

from __future__ import annotations

import solara

WHAT = """\
## What this is

A computer model of a town's health and social care for people with **complex needs**:
several problems at once (housing, mental health, drugs or alcohol, offending, money,
loneliness, physical health), each of which one service is set up to handle. It follows
thousands of made-up people week by week and compares two ways of organising the
services:

- **Siloed, target-driven** (the usual way): each service works to its own targets and
  eligibility rules; people are passed between services, assessed again and again,
  turned away when their need is below a service's bar, and their support stops on a
  clock.
- **Alliance learning** (Human Learning Systems): no targets; one key worker who stays
  and takes on new needs; support for the whole person; a flexible budget; services
  share information and learn together.
- **The transition**: a system that starts siloed and changes to alliance working over
  about two years, which strains the staff while it happens (the `transition` scenario:
  it switches at week 104).

The page runs two copies of the same town side by side: **arm A** and **arm B**. Both
have the same people and the same luck (the same seed) and the same siloed past: at
week 0 they are the same town. From then on only the way services work differs (an
alliance arm learns its new ways over about two years), so any difference you see is
caused by that. The model is a tool for
reasoning about mechanisms, not a forecast of any real place.
"""

PRESS = """\
## What to press

- **Step** moves both arms on by the *Weeks per step* set beside it.
- **Play** keeps stepping until the run ends (five years); **Pause** stops it.
- **Reset** starts both arms again from week 0 with what the *Settings* panel says
  (on the right; below the views on a phone). Changes there (scenarios, seed, persons,
  levers, the world) do nothing until you press Reset; a bad value gets a red message
  under its field and the run goes on as it was.
- **Scenario A** and **Scenario B** pick how each arm works; the sliders under *Levers of
  arm B* fine-tune arm B one mechanism at a time. *The world* holds facts about the
  town (staff turnover, how fast trust builds, ...), the same for both arms.
- **Experiments** (a tab): each card sets up a comparison in one click (*Set up*), then
  opens the view to watch; press Play and read what it asks.
- **Run 10 seeds** (in Compare): one seed is one possible run of luck. This runs the
  same pair with ten seeds over the whole five years, in the background, and shows
  B − A with a 95 % interval, so you can tell a real difference from a lucky one.
"""

VIEWS: dict[str, str] = {
    "About": "this page.",
    "Compare": "the headline numbers so far for A, B and B − A (cost per person-year, "
    "wellbeing, crises, deaths, hand-offs, rejections, repeat assessments, people waiting) "
    "and their week-by-week curves.",
    "Costs": "weekly cost per person-year, with a marker where a transition switches; "
    "failure demand against value demand; which budget holder pays (NHS, justice, "
    "housing, ...).",
    "Flow": "how people move through the services: who is waiting for which service, "
    "repeat assessments, hand-offs and rejections.",
    "SPC": "a control chart of one weekly count: is the change you see a signal "
    "(special cause) or ordinary week-to-week noise (common cause)?",
    "Kim loop": "the four qualities of each arm's services (relationships, thinking, "
    "actions, results) and how they move together.",
    "Network": "a sample of people, their workers and the eight services; a link's colour "
    "and width show how much they trust each other.",
    "Journey": "one person (Brian, Asha, Derek or someone sampled) week by week: services "
    "met, cost, crises and trust.",
    "Family": "Think Family: one household with a member with complex needs, in both "
    "arms: its members, the workers and services around them now, and counts so far "
    "(services, workers, crises, cost); family support softens life's shocks and is worn "
    "down by the members' needs.",
    "Experiments": "guided experiments in plain words; Set up fills the settings, resets, "
    "opens the view to watch and keeps its questions above the view while it runs.",
}
"""One line per tab: what it shows (tab names as in the app)."""

NOTICE = """\
## Things to notice

- At week 0 the two arms are the same town; differences grow week by week. Early
  weeks are noisy: wait a year before you judge.
- Siloed working produces **failure demand**: repeat assessments (nothing is shared, so
  people tell their story again), hand-offs (no worker stays) and rejections (the
  eligibility bar). Watch these in Compare and Flow.
- Cost and wellbeing are not the same question. An arm can spend more on support and
  housing (value demand) and less on crises (failure demand).
- The Kim loop: where trust rises, thinking, actions and results follow, and results
  build trust again. Where services are overloaded, partners stop trusting each other
  in any arm.
"""

TRY = """\
## Things to try

- Pick `transition` as scenario B and Play past week 104: does cost rise before it
  falls?
- Set *continuity* of arm B to 0 (Reset) and watch hand-offs and the Kim loop.
- Raise staff turnover in *The world*: does the gap between the arms shrink?
- Change the seed and run again, then **run 10 seeds**: which differences survive?
"""

GLOSSARY: dict[str, str] = {
    "arm": "one of the two copies of the town on the page, A or B, each run under its own "
    "scenario.",
    "seed": "the number that fixes the run's luck: who lives in the town and what happens "
    "to them each week.",
    "paired same-seed comparison (common random numbers)": "both arms use the same seed, "
    "so the same people meet the same life events (a lost job, an illness) in the same "
    "week. B − A then shows the effect of the way services work, not chance.",
    "burn-in": "the weeks simulated before week 0 and not shown, so that queues, "
    "caseloads and trust settle into a working state first. Both arms live that past the "
    "same siloed way.",
    "person-year": "one person alive for a year (52 person-weeks). Costs and crises are "
    "counted per person-year, so arms are fair to each other even when different numbers "
    "of people die.",
    "complex needs (multiple disadvantage)": "several serious needs at once, typically "
    "housing, mental health, drugs or alcohol and offending. About one person in ten in "
    "the model; most headline numbers are for this group.",
    "failure demand": "work caused by not meeting a need earlier or properly: crises (A&E, "
    "ambulance, hospital and mental-health admissions, police custody, prison, emergency "
    "accommodation), repeat assessments and the referrals behind rejections and "
    "hand-offs (John Seddon's term).",
    "value demand": "the work the services exist for: first assessments, support from "
    "workers, tenancies and rent, drug and alcohol treatment.",
    "hand-off": "a person passed on: referred to a second service while already supported "
    "by another, or moved off their worker's caseload back to the duty desk.",
    "repeat assessment": "being assessed again by a service that already knows the person, "
    "because the information was not shared. It costs staff time and trust ('telling my "
    "story again').",
    "rejection": "a referral turned down: the need is below the service's eligibility bar, "
    "or a service chasing targets skims off a complex case. The person waits before "
    "trying again and is more likely to have a crisis meanwhile.",
    "key worker (continuity)": "one worker who stays with a person and takes on a new need "
    "instead of referring it on. The *continuity* lever is how often that happens; trust "
    "grows in a relationship that lasts.",
    "Kim loop": "Daniel Kim's cycle, measured for each service: quality of relationships "
    "(trust between people and workers, and between services) → quality of thinking "
    "(shared information and what the service has learnt) → quality of actions (how well "
    "the effort matches what each person needs) → quality of results (how much need the "
    "support reduces) → relationships again. Each is a number from 0 to 1.",
    "common cause": "the ordinary week-to-week variation of a stable process; on a control "
    "chart, points inside the limits with no pattern. Reacting to it is tampering.",
    "special cause": "a signal that something changed: a point outside the control "
    "limits, a run of 8 points on one side of the centre line, or 6 in a row rising or "
    "falling.",
    "Think Family": "looking at the household, not only the person: family members share "
    "one pool of family support, which softens shocks and is worn down by their needs.",
    "wellbeing (0-1)": "1 minus a person's average need over the eight areas of life: 1 is "
    "no need at all, 0 is the worst in every area. Shown as the average over the people "
    "alive.",
}
"""Glossary: term -> plain-words meaning."""

KIM_DIAGRAM = """\
flowchart LR
    R["Relationships<br/>trust"] --> T["Thinking<br/>shared information, learning"]
    T --> A["Actions<br/>effort matched to need"]
    A --> S["Results<br/>need reduced"]
    S --> R
"""
"""Mermaid source of Kim's loop (relationships → thinking → actions → results → ...)."""

WEEK_DIAGRAM = """\
flowchart LR
    L["Life<br/>needs drift, shocks"] --> C["Crisis<br/>A&E, custody, ..."]
    C --> A["Access<br/>assess, accept, queue"]
    A --> S["Support<br/>worker contact"]
    S --> H["Housing and<br/>treatment"]
    H --> E["Learning<br/>Kim loop"]
    E --> W["Workforce<br/>burnout, turnover"]
    W -. next week .-> L
    K[("Costs: charged<br/>at every step")]
"""
"""Mermaid source of one week (the order of ``CareModel.step``); costs throughout."""

DIAGRAMS = f"""\
## Two pictures

**Kim's loop**, in each service of each arm: better relationships make for better
thinking, actions and results, and good results build trust.

```mermaid
{KIM_DIAGRAM}```

**One week** of the model, in this order, for every person and service; every
activity is charged to a budget holder as it happens.

```mermaid
{WEEK_DIAGRAM}```
"""


def views_markdown() -> str:
    """The "how to read the views" section: one line per tab."""
    lines = [f"- **{tab}**: {text}" for tab, text in VIEWS.items()]
    return "## How to read the views\n\n" + "\n".join(lines) + "\n"


def glossary_markdown() -> str:
    """The glossary as a Markdown list."""
    lines = [f"- **{term}**: {text}" for term, text in GLOSSARY.items()]
    return "## Glossary\n\n" + "\n".join(lines) + "\n"


def markdown() -> str:
    """The whole About page as Markdown (Solara renders the ``mermaid`` blocks)."""
    return "\n".join((WHAT, PRESS, views_markdown(), DIAGRAMS, NOTICE, TRY, glossary_markdown()))


@solara.component
def About():
    """The About view: the model in plain words, with two diagrams and a glossary."""
    solara.Markdown(markdown(), style={"max-width": "56em"})
