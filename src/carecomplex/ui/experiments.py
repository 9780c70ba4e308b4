"""Guided experiments a student can follow in the app, in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Experiment:
    """A set-up (scenarios, lever and world changes) and what to look for."""

    title: str
    base: str
    alt: str
    do: str
    watch: str
    view: str  # tab to open after setting up
    levers: dict[str, float] = field(default_factory=dict)  # changes to B's preset
    world: dict[str, str] = field(default_factory=dict)


EXPERIMENTS = (
    Experiment(
        "Same people, two systems",
        "siloed",
        "alliance",
        "Run the same 2,000 people through a siloed system (A) and an alliance (B). Every "
        "life event (a lost tenancy, an illness) happens to the same person in the same "
        "week in both arms.",
        "Press Play. Which costs fall first? Do crises and hand-offs fall together? "
        "Does anything cost more in the alliance (look at the budget-holder bars)?",
        "Compare",
    ),
    Experiment(
        "Switch off continuity",
        "alliance",
        "alliance",
        "Both arms are alliances, but in B a new need goes to a new worker instead of the "
        "person's own worker (continuity 0).",
        "Watch hand-offs and crises in Compare, then the Network: are the trust links in B "
        "thinner and redder? In the Kim loop, which quality drops first?",
        "Compare",
        levers={"continuity": 0.0},
    ),
    Experiment(
        "Targets speed access",
        "siloed",
        "siloed",
        "Both arms are siloed; B has no targets (target pressure 0).",
        "Targets are not only bad: in the SPC chart of a service, do queues grow without "
        "them? Is wellbeing better or worse in B?",
        "SPC",
        levers={"target_pressure": 0.0},
    ),
    Experiment(
        "Staff keep leaving",
        "siloed",
        "alliance",
        "Relationships need people who stay. Worker turnover is set to 3 % a week (about "
        "four in five workers leave each year) in both arms.",
        "Does the alliance still beat the siloed system? Follow Brian in Journey: how often "
        "does his trust reset?",
        "Compare",
        world={"workforce.turnover": "0.03"},
    ),
    Experiment(
        "The cost of changing",
        "siloed",
        "transition",
        "B starts siloed and switches to alliance working at week 104, with a year-long "
        "learning curve and friction for staff who like firm boundaries.",
        "Play to the end. Does B cost more for a while after the switch (a J-curve)? "
        "How long before the Kim loop in B picks up?",
        "Compare",
    ),
    Experiment(
        "Only share information",
        "siloed",
        "siloed",
        "B is siloed but services share what they know about a person (information "
        "sharing 0.8). Nothing else changes.",
        "Do repeat assessments and rejections fall? Is that enough to change crises? "
        "In the Kim loop, thinking should rise; does results follow?",
        "Kim loop",
        levers={"information_sharing": 0.8},
    ),
)
