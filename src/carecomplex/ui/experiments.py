"""Guided experiments a student can follow in the app, in plain words, with lesson checks.

Each :class:`Experiment` changes one thing between arm A and arm B, says what to ask and
what to look for, names the tab to watch, and states what happens as :class:`Lesson`
checks read from :mod:`carecomplex.ui.numbers` (the numbers the views draw). The text
was written after measuring: every lesson holds at the UI defaults (2,000 persons, five
years) in every one of ten seeds, and ``tests/test_ui_experiments.py`` checks that it
still does. The numbers quoted in the texts are means over seeds 1-10 at those defaults
(B - A, per complex-needs person-year unless said otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from carecomplex.ui import numbers
from carecomplex.ui.session import UI_YEARS

if TYPE_CHECKING:
    from carecomplex.ui.session import Arm, Draft, Session

TABS = (
    "About",
    "Compare",
    "Costs",
    "Flow",
    "SPC",
    "Kim loop",
    "Network",
    "Journey",
    "Family",
    "Experiments",
)
"""The app's tab names (an experiment's ``view`` is one of them)."""

HORIZON = round(UI_YEARS * 52)
"""Measured weeks of a UI run (five years)."""
Direction = Literal["B > A", "B < A", "B ≈ A"]


@dataclass(frozen=True)
class Lesson:
    """One thing an experiment's text says happens, checked from the numbers shown.

    Args:
        says: the statement in plain words (shown with the check's verdict).
        metric: a key of :func:`numbers.headline` (over the weeks run so far), or of
            :func:`numbers.weekly` (its mean over ``weeks``; a per-service series is
            summed over services first).
        direction: ``"B > A"``, ``"B < A"``, or ``"B ≈ A"`` (B within ``within`` x |A|
            of A).
        weeks: for a weekly series, the measured weeks ``[start, stop)`` averaged
            (default: all weeks run); a headline metric takes no window.
        within: the relative tolerance of ``"B ≈ A"``.
        play: for a headline metric or a weekly series without ``weeks``, the measured
            weeks to play before the check (default: the UI's whole run, five years).
    """

    says: str
    metric: str
    direction: Direction
    weeks: tuple[int, int] | None = None
    within: float = 0.02
    play: int = HORIZON

    def __post_init__(self) -> None:
        if self.direction not in ("B > A", "B < A", "B ≈ A"):
            raise ValueError(f"Lesson: unknown direction {self.direction!r}")
        weekly = self.metric in WEEKLY
        if not weekly and self.metric not in HEADLINE:
            raise ValueError(f"Lesson: unknown metric {self.metric!r}")
        if self.weeks is not None and not weekly:
            raise ValueError(f"Lesson: {self.metric!r} is a total so far; it takes no weeks")
        if self.weeks is not None and not 0 <= self.weeks[0] < self.weeks[1] <= HORIZON:
            raise ValueError(
                f"Lesson: weeks must be [start, stop) with 0 <= start < stop <= {HORIZON}"
            )

    @property
    def last_week(self) -> int:
        """Measured weeks that must have run before the lesson can be checked."""
        return self.weeks[1] if self.weeks else self.play

    def value(self, arm: Arm) -> float:
        """The metric for one arm, as the views show it (NaN before enough weeks ran)."""
        if self.metric in HEADLINE:
            return numbers.headline(arm)[self.metric]
        x = numbers.weekly(arm)[self.metric]
        if x.ndim == 2:
            x = x.sum(axis=1)
        lo, hi = self.weeks or (0, len(x))
        if len(x) < hi or hi <= lo:
            return math.nan
        return float(np.mean(x[lo:hi]))

    def values(self, session: Session) -> tuple[float, float]:
        """``(A, B)`` of the metric in ``session``."""
        a, b = session.arms
        return self.value(a), self.value(b)

    def holds(self, a: float, b: float) -> bool:
        """Whether ``(A, B)`` bear the statement (False if either is NaN)."""
        if math.isnan(a) or math.isnan(b):
            return False
        if self.direction == "B > A":
            return b > a
        if self.direction == "B < A":
            return b < a
        return abs(b - a) <= self.within * abs(a)

    def check(self, session: Session) -> tuple[bool, str]:
        """Whether this run shows the lesson, and a line saying what the numbers are."""
        where = self.metric.strip() + (
            f", weeks {self.weeks[0]}-{self.weeks[1]}" if self.weeks else ""
        )
        if session.week < self.last_week:
            return False, f"Not yet: play to week {self.last_week} to see {where}."
        a, b = self.values(session)
        ok = self.holds(a, b)
        verdict = "as the text says" if ok else "not in this run: try another seed"
        return ok, f"{self.says}: A {_show(a)}, B {_show(b)} ({where}): {verdict}."


def _show(x: float) -> str:
    """A number as a student reads it: ``33,600``, ``5.48``, ``0.0949``."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


HEADLINE = (
    "Cost per person-year, complex needs (£)",
    "  of which failure demand (£)",
    "Cost per person-year, everyone (£)",
    "Wellbeing, complex needs (0-1)",
    "Crises per person-year, complex",
    "Deaths per 100 person-years, complex",
    "Hand-offs per person-year, everyone",
    "Rejections per person-year, everyone",
    "Repeat assessments per person-year, everyone",
    "Persons waiting, mean over weeks",
)
"""Headline outcomes a lesson may name (keys of :func:`numbers.headline`)."""
WEEKLY = (
    "cost",
    "failure",
    "value",
    "wellbeing",
    "crises",
    "handoffs",
    "reassessments",
    "rejections",
    "queue",
    *numbers.KIM,
)
"""Weekly series a lesson may name (keys of :func:`numbers.weekly`)."""


@dataclass(frozen=True)
class Experiment:
    """A set-up (scenarios, lever and world changes), what to ask, where to look.

    Args:
        title: the card's title.
        base: scenario of arm A.
        alt: scenario of arm B (its levers, changed by ``levers``).
        do: what changes between the arms, in plain words.
        questions: what the student should ask while it runs.
        look_for: a short "what to look for" shown while playing.
        view: the tab to open (one of :data:`TABS`).
        lessons: what the text says happens, checked from the numbers.
        found: what the model showed when the text was written (means over ten seeds).
        levers: changes to B's scenario levers.
        world: world parameters (both arms), as typed in the controls.
    """

    title: str
    base: str
    alt: str
    do: str
    questions: tuple[str, ...]
    look_for: str
    view: str
    lessons: tuple[Lesson, ...]
    found: str
    levers: dict[str, float] = field(default_factory=dict)
    world: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.view not in TABS:
            raise ValueError(f"Experiment {self.title!r}: view {self.view!r} is not a tab")
        if not self.lessons:
            raise ValueError(f"Experiment {self.title!r}: no lesson to check")

    @property
    def weeks(self) -> int:
        """Measured weeks to play before every lesson can be checked."""
        return max(lesson.last_week for lesson in self.lessons)

    def draft(self, seed: str = "1", persons: str = "2000") -> Draft:
        """The controls this experiment sets (what its Set up button does)."""
        from carecomplex.ui.session import Draft, scenario_levers

        base = Draft()
        return base.with_(
            base=self.base,
            alt=self.alt,
            seed=seed,
            persons=persons,
            levers={**scenario_levers(self.alt), **self.levers},
            world={**base.world, **self.world},
        )

    def check(self, session: Session) -> list[tuple[bool, str]]:
        """Every lesson's verdict on ``session`` (see :meth:`Lesson.check`)."""
        return [lesson.check(session) for lesson in self.lessons]


CRISES = "Crises per person-year, complex"
HANDOFFS = "Hand-offs per person-year, everyone"
WAITING = "Persons waiting, mean over weeks"
FAILURE = "  of which failure demand (£)"
REPEATS = "Repeat assessments per person-year, everyone"

EXPERIMENTS = (
    Experiment(
        "Same people, two systems",
        "siloed",
        "alliance",
        "Run the same 2,000 people through a siloed system (A) and an alliance (B). Every "
        "life event (a lost tenancy, an illness) happens to the same person in the same "
        "week in both arms. B learns its new ways over about two years from week 0.",
        (
            "Do crises and hand-offs fall together?",
            "Is anything worse in the alliance (look at persons waiting)?",
            "Which budget holders spend more in B, and which less?",
        ),
        "Crises, hand-offs and rejections fall in B; more people wait in B, because its "
        "workers hold fewer cases each and turn fewer people away.",
        "Compare",
        (
            Lesson("B has fewer crises", CRISES, "B < A"),
            Lesson("B has fewer hand-offs", HANDOFFS, "B < A"),
            Lesson("More people wait in B", WAITING, "B > A"),
        ),
        "Over five years B has 1.3 fewer crises per complex-needs person-year (5.5 in A), "
        "0.31 fewer hand-offs and 1.3 fewer rejections per person-year, and wellbeing "
        "0.027 higher; but about 340 persons wait in B on average against 36 in A. Support "
        "services spend about £5,900 more per complex-needs person-year, the NHS, housing "
        "and justice less; the total is about £490 lower (95 % interval £70 to £910).",
    ),
    Experiment(
        "Failure demand",
        "siloed",
        "alliance",
        "The same pair as 'Same people, two systems', seen through costs. Failure demand is "
        "work caused by not doing something right the first time: crises, emergency "
        "accommodation, repeat assessments. Value demand is the support people asked for.",
        (
            "How much of the siloed system's spending is failure demand?",
            "Does B cut failure demand by spending more on value demand?",
            "Does B cost more before it costs less?",
        ),
        "In Costs, failure demand in B falls away from A's year by year while value "
        "demand rises; B's weekly cost is above A's in year one and below it from year "
        "three.",
        "Costs",
        (
            Lesson("B has less failure demand", FAILURE, "B < A"),
            Lesson("B has more value demand", "value", "B > A"),
            Lesson("B costs more in its first year", "cost", "B > A", (0, 52)),
            Lesson("B costs less in year five", "cost", "B < A", (208, 260)),
        ),
        "Failure demand is about £26,900 of A's £30,900 per complex-needs person-year. "
        "Over five years B has about £9,000 less failure demand and £5,900 more value "
        "demand. Weekly cost in B is about £2,400 above A in year one, level in year two, "
        "and about £1,900 below A in year five.",
    ),
    Experiment(
        "Switch off continuity",
        "alliance",
        "alliance",
        "Both arms are alliances, but in B a new need goes to a new worker instead of the "
        "person's own worker (continuity 0).",
        (
            "Do hand-offs and crises rise in B?",
            "In the Kim loop, which quality falls first and furthest: relationships, "
            "thinking, actions or results?",
        ),
        "Hand-offs in B stay high while A's fall away; in the Kim loop, actions fall "
        "first and furthest, then results; relationships and thinking hardly move.",
        "Compare",
        (
            Lesson("B has more hand-offs", HANDOFFS, "B > A"),
            Lesson("B has more crises", CRISES, "B > A"),
            Lesson("Actions are lower in B", "actions", "B < A", (52, 260)),
        ),
        "B has 0.16 more hand-offs per person-year (0.21 in A: by year five about 10 a "
        "week against 2.5), 0.6 more crises per complex-needs person-year (4.2 in A) and "
        "costs about £1,500 more per complex-needs person-year. In the Kim loop actions "
        "are about 0.1 lower (0.76 in A) from year two, results about 0.03 lower; "
        "relationships fall by under 0.02 and thinking by under 0.01.",
        levers={"continuity": 0.0},
    ),
    Experiment(
        "Targets speed access",
        "siloed",
        "siloed",
        "Both arms are siloed; B has no targets (target pressure 0).",
        (
            "Targets are not only bad: do queues grow without them?",
            "Which services' queues grow most?",
            "Is wellbeing better or worse in B? Does it cost less?",
        ),
        "In Flow, queues in B grow above A's within months and stay there.",
        "Flow",
        (Lesson("More people wait in B", WAITING, "B > A"),),
        "About 66 persons wait in B on average against 36 in A. Crises rise a little "
        "(0.08 per complex-needs person-year, on 5.5) and wellbeing falls a little "
        "(0.0006). B costs about £1,100 more per complex-needs person-year, mostly the "
        "programme cost of changing a lever (training, double running), not care.",
        levers={"target_pressure": 0.0},
    ),
    Experiment(
        "Staff keep leaving",
        "siloed",
        "alliance",
        "Worker turnover is set to 3 % a week (about four in five workers leave each year; "
        "the default is 0.4 %) in both arms. Compare with 'Same people, two systems'.",
        (
            "Does the alliance still beat the siloed system?",
            "Does its advantage in crises shrink compared with the default turnover?",
            "In this model a colleague who knows the person takes over a leaver's cases "
            "when continuity is high: is that how it works where you are?",
        ),
        "Hand-offs rise in both arms (compare with 'Same people, two systems'), but B "
        "keeps fewer crises and fewer hand-offs than A.",
        "Compare",
        (
            Lesson("B still has fewer crises", CRISES, "B < A"),
            Lesson("B still has fewer hand-offs", HANDOFFS, "B < A"),
        ),
        "In this model high turnover hardly shrinks the alliance's advantage: B has 1.31 "
        "fewer crises per complex-needs person-year at 3 % a week, as at the default "
        "(1.32). Turnover raises hand-offs (A from 0.52 to 0.87 per person-year, B from "
        "0.21 to 0.42) but crises in A barely (5.48 to 5.50).",
        world={"workforce.turnover": "0.03"},
    ),
    Experiment(
        "The cost of changing",
        "siloed",
        "transition",
        "B starts siloed and switches to alliance working at week 104, learning the new "
        "ways over about two years, with friction for staff who like firm boundaries.",
        (
            "Does B cost more for a while after the switch (a J-curve)?",
            "When does B's weekly cost fall below A's?",
            "How long before the Kim loop in B picks up?",
        ),
        "In Costs, B's weekly cost jumps above A's at week 104, then falls back and "
        "crosses below A's about two years after the switch.",
        "Costs",
        (
            Lesson("B costs more in the half-year after the switch", "cost", "B > A", (104, 130)),
            Lesson("B costs less in year five", "cost", "B < A", (208, 260)),
            Lesson("Results are higher in B after the switch", "results", "B > A", (117, 260)),
        ),
        "Weekly cost in B is about £3,300 per complex-needs person-year above A in the "
        "first quarter after the switch, £1,400 above a year after it, level about two "
        "years after it and about £1,500 below in year five. Over the five years B still "
        "costs about £290 more: the change has not yet paid for itself.",
    ),
    Experiment(
        "Only share information",
        "siloed",
        "siloed",
        "B is siloed but services share what they know about a person (information "
        "sharing 0.8). Nothing else changes.",
        (
            "Do repeat assessments fall?",
            "Is that enough to change crises?",
            "In the Kim loop thinking rises: do actions and results follow?",
        ),
        "Repeat assessments fall and thinking rises in B; crises and results stay level.",
        "Kim loop",
        (
            Lesson("B has fewer repeat assessments", REPEATS, "B < A"),
            Lesson("Thinking is higher in B", "thinking", "B > A", (26, 260)),
            Lesson("Crises are no different (within 2 %)", CRISES, "B ≈ A"),
        ),
        "Repeat assessments fall by 0.12 per person-year (2.0 in A); thinking rises, by "
        "about 0.03 by year five (0.35 in A); crises, rejections, actions and results "
        "do not move. B costs about £1,000 more per complex-needs person-year: the "
        "programme cost of the change, with no saving to set against it.",
        levers={"information_sharing": 0.8},
    ),
)
"""The guided experiments, in the order the Experiments tab lists them."""
