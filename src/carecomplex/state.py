"""The one schema: every state array of persons, families, workers and services.

Arrays are the truth; Mesa agents are views over them. All arrays are preallocated;
nothing is appended during a run and the dead are flagged, never removed. Each row of
the schema gives the array's shape (in terms of the entity counts), dtype, initial
value, unit and meaning.

Each entity's arrays form one table (:class:`PersonTable`, :class:`FamilyTable`,
:class:`WorkerTable`, :class:`ServiceTable`: NamedTuples generated from the schema), and
the kernels take whole tables, as they take the week's :class:`Books` (tariff and
per-chunk partials) and the :class:`Structure` constants.

Structural constants of the model (which domains spill into which, which needs drive
which kind of crisis) are also declared here, once, with their meaning, and so are the
names of the columns of every output and partial (:class:`ServiceField`,
:class:`ServiceSum`, :class:`WellbeingSum`, :class:`Journey`).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np

from carecomplex.costs import Holder, Item


class Domain(IntEnum):
    """Life domains of need. Planned service ``d`` works in domain ``d``."""

    PHYSICAL = 0
    MENTAL = 1
    SUBSTANCE = 2
    HOUSING = 3
    INCOME = 4
    JUSTICE = 5
    CONNECTION = 6
    DAILY_LIVING = 7


class Crisis(IntEnum):
    """Kinds of crisis presentation."""

    AE = 0
    ADMISSION = 1
    CUSTODY = 2
    MH_ADMISSION = 3


class Event(IntEnum):
    """Counted events, the columns of the weekly event table."""

    CRISIS_AE = 0
    CRISIS_ADMISSION = 1
    CRISIS_CUSTODY = 2
    CRISIS_MH = 3
    DEATH = 4
    CRISIS_DEATH = 5
    READMISSION_30D = 6  # a discharge readmitted within 30 days (its window in the run)
    REOFFENCE_SHORT = 7  # a release from a short sentence proven to reoffend in 52 weeks
    PRISON_WEEK = 8
    EA_WEEK = 9
    APPLICATION = 10
    ASSESSMENT = 11
    REASSESSMENT = 12
    REJECTION = 13
    ACCEPTED = 14
    QUEUED = 15
    HANDOFF = 16
    CLOSED = 17
    DROPOUT = 18
    TENANCY = 19  # a Housing First tenancy bought from the budget pot
    TREATMENT_WEEK = 20  # a week in drug or alcohol treatment
    SHOCK = 21
    ALIVE = 22
    SUPPORTED = 23
    # Justice and hospital spells (see processes/life.py, docs/ODD.md §7.6).
    DISCHARGE = 24  # discharges from an emergency admission
    DISCHARGE_30D = 25  # discharges whose 30-day window ends inside the run
    DISCHARGE_180D = 26  # discharges whose 180-day window ends inside the run
    READMISSION_180D = 27  # a discharge readmitted within 180 days (its window in the run)
    RELEASE_SHORT = 28  # releases from a short sentence (< 12 months)
    RELEASE_LONG = 29  # releases from a long sentence (12 months or more)
    COHORT_SHORT = 30  # short-sentence releases with 52 weeks of follow-up in the run
    COHORT_LONG = 31  # long-sentence releases with 52 weeks of follow-up in the run
    REOFFENCE_LONG = 32  # a release from a long sentence proven to reoffend in 52 weeks
    RELEASE_HOMELESS = 33  # releases without settled accommodation (housing need raised)
    TENANCY_START = 34  # a tenancy (ordinary or Housing First) started
    TENANCY_END = 35  # a tenancy lost (eviction, abandonment, a long prison stay)
    HOUSED_WEEK = 36  # a week holding a tenancy
    WORKER_CHANGE = 37  # a held case passed to a new post holder (turnover)


class Tenancy(IntEnum):
    """Kinds of tenancy a person holds (``PersonTable.tenancy``)."""

    NONE = 0
    ORDINARY = 1  # found through the housing service (allocation, private rented access)
    HOUSING_FIRST = 2  # bought from the budget pot, with open-ended intensive support


class TreatmentState(IntEnum):
    """Drug and alcohol treatment states (``PersonTable.treatment``)."""

    NONE = 0
    WAITING = 1  # referred, waiting to start
    IN_TREATMENT = 2
    RECOVERED = 3  # completed; relief lasts until relapse


class Group(IntEnum):
    """Population groups reported separately."""

    OTHER = 0
    COMPLEX = 1


class Persona(IntEnum):
    """Named personas placed at the start of the population."""

    NONE = 0
    BRIAN = 1
    ASHA = 2
    DEREK = 3


class ServiceField(IntEnum):
    """Columns of the weekly per-service output ``CareModel.services[week, service, :]``."""

    LOAD = 0  # persons held
    CAPACITY = 1  # caseload capacity
    QUEUE = 2  # persons waiting
    KNOWLEDGE = 3  # practice knowledge
    GAMING = 4  # learned gaming of targets
    RELATIONSHIPS = 5  # Kim loop: mean trust of persons
    THINKING = 6  # Kim loop: shared understanding
    ACTIONS = 7  # Kim loop: match of support to need
    RESULTS = 8  # Kim loop: need reduction
    PARTNER_TRUST = 9  # mean trust toward the other services
    BURNOUT = 10  # mean burnout of the service's posts
    LEAVERS = 11  # worker leavers this week (all services' leavers / services)


SERVICE_FIELDS = tuple(f.name.lower() for f in ServiceField)


class ServiceSum(IntEnum):
    """Columns of the per-chunk, per-service sums taken in support (``Books.service_sums``)."""

    EPISODES = 0  # episode-weeks of support
    TRUST = 1  # trust in the worker after the week's contact
    MATCH = 2  # match of the effort's spread to the spread of need
    NEED_REDUCED = 3  # need removed by the contact, summed over domains


class WellbeingSum(IntEnum):
    """Columns of the per-chunk, per-group wellbeing sums (``Books.wellbeing_sums``)."""

    SUM = 0  # sum of wellbeing (1 - mean need) of the living
    ALIVE = 1  # persons alive


class Journey(IntEnum):
    """Columns of the weekly journeys of tracked persons ``CareModel.journeys[week, j, :]``."""

    COST = 0  # public cost so far in the measured period, pounds
    CRISES = 1  # crises so far
    TRUST = 2  # highest trust in a current worker (0 if none)
    EPISODES = 3  # open episodes
    NEED = 4  # mean need over domains


N_DOMAINS = len(Domain)
N_SERVICES = N_DOMAINS
SLOTS = 3  # episodes a person can hold at once (one per service in a siloed system)
N_CHUNKS = 64  # fixed chunk count for deterministic parallel reductions
N_BLOCKS = 8  # blocks of whole chunks a parallel kernel hands to its threads

# DOMAIN_COUPLING[d, j]: how much need in domain j pulls domain d's need up (row d).
# Losing housing raises mental-health and substance need; substance raises justice and
# physical; isolation raises mental health; poverty raises housing. Model structure.
DOMAIN_COUPLING = np.zeros((N_DOMAINS, N_DOMAINS), dtype=np.float64)
for _d, _j, _w in [
    (Domain.MENTAL, Domain.HOUSING, 1.0),
    (Domain.SUBSTANCE, Domain.HOUSING, 0.8),
    (Domain.PHYSICAL, Domain.SUBSTANCE, 0.8),
    (Domain.JUSTICE, Domain.SUBSTANCE, 1.0),
    (Domain.HOUSING, Domain.INCOME, 1.0),
    (Domain.HOUSING, Domain.JUSTICE, 0.6),
    (Domain.MENTAL, Domain.CONNECTION, 0.8),
    (Domain.SUBSTANCE, Domain.MENTAL, 0.6),
    (Domain.INCOME, Domain.MENTAL, 0.5),
    (Domain.DAILY_LIVING, Domain.PHYSICAL, 0.8),
    (Domain.CONNECTION, Domain.DAILY_LIVING, 0.5),
    (Domain.MENTAL, Domain.SUBSTANCE, 0.5),
]:
    DOMAIN_COUPLING[_d, _j] = _w

# CRISIS_WEIGHTS[d]: weight of domain d's need in the crisis hazard (sums to 1).
CRISIS_WEIGHTS = np.array([0.15, 0.2, 0.2, 0.15, 0.05, 0.15, 0.05, 0.05], dtype=np.float64)

# CRISIS_KIND[k, d]: relative odds that a crisis takes kind k, per unit of need in d.
CRISIS_KIND = np.zeros((len(Crisis), N_DOMAINS), dtype=np.float64)
CRISIS_KIND[Crisis.AE, [Domain.PHYSICAL, Domain.SUBSTANCE, Domain.MENTAL]] = [0.6, 0.6, 0.3]
CRISIS_KIND[Crisis.ADMISSION, [Domain.PHYSICAL, Domain.SUBSTANCE, Domain.DAILY_LIVING]] = [
    0.2,
    0.08,
    0.06,
]
CRISIS_KIND[Crisis.CUSTODY, [Domain.JUSTICE, Domain.SUBSTANCE]] = [0.3, 0.05]
CRISIS_KIND[Crisis.MH_ADMISSION, Domain.MENTAL] = 0.1

# The domain a crisis of each kind harms.
CRISIS_DOMAIN = np.array(
    [Domain.PHYSICAL, Domain.PHYSICAL, Domain.JUSTICE, Domain.MENTAL], dtype=np.int64
)


class Structure(NamedTuple):
    """The structural constants the life kernels take, as one argument."""

    domain_coupling: np.ndarray  # (D, D) float64: DOMAIN_COUPLING
    crisis_weights: np.ndarray  # (D,) float64: CRISIS_WEIGHTS
    crisis_kind: np.ndarray  # (crisis kinds, D) float64: CRISIS_KIND
    crisis_domain: np.ndarray  # (crisis kinds,) int64: CRISIS_DOMAIN


STRUCTURE = Structure(DOMAIN_COUPLING, CRISIS_WEIGHTS, CRISIS_KIND, CRISIS_DOMAIN)


@dataclass(frozen=True)
class Column:
    """One state array: shape in entity counts, dtype, initial value, unit, meaning.

    ``order`` is the memory layout of a 2-d array ("C": a person's row together; "F":
    each column together). It changes speed only, never a value.
    """

    shape: tuple[str, ...]
    dtype: Any
    init: float
    unit: str
    doc: str
    order: str = "C"


PERSON = {
    "pid": Column(("N",), np.int32, 0, "id", "stable person id; keys every random draw"),
    "family": Column(("N",), np.int32, 0, "index", "household (row of the family arrays)"),
    "complex": Column(("N",), np.uint8, 0, "flag", "in the multiple-disadvantage subgroup"),
    "persona": Column(("N",), np.uint8, 0, "Persona", "named persona tag (0 = none)"),
    "alive": Column(("N",), np.uint8, 1, "flag", "alive (the dead stay, flagged)"),
    "died_week": Column(("N",), np.int32, -1, "week", "week of death (-1 = alive)"),
    "need": Column(("N", "D"), np.float32, 0, "0-1", "current need per domain"),
    "setpoint": Column(("N", "D"), np.float32, 0, "0-1", "need each domain drifts toward"),
    "resilience": Column(("N",), np.float32, 0.5, "0-1", "damps the size of life shocks"),
    "sys_trust": Column(("N",), np.float32, 0, "0-1", "trust in services in general"),
    "slot_service": Column(("N", "K"), np.int8, -1, "service", "episode's service (-1 = none)"),
    "slot_worker": Column(("N", "K"), np.int32, -1, "worker", "episode's worker post"),
    "slot_weeks": Column(("N", "K"), np.int16, 0, "weeks", "weeks the episode has run"),
    "slot_trust": Column(("N", "K"), np.float32, 0, "0-1", "trust in the episode's worker"),
    "slot_remit": Column(("N", "K"), np.uint8, 0, "domain bits", "domains the worker covers"),
    "assessed": Column(("N",), np.uint8, 0, "flag", "has been assessed by some service"),
    "wait_service": Column(("N",), np.int8, -1, "service", "service queued for (-1 = none)"),
    "wait_weeks": Column(
        ("N",),
        np.int16,
        0,
        "weeks",
        "weeks waiting for help (kept if redirected to another service)",
    ),
    "unmet": Column(("N",), np.uint8, 0, "flag", "queued or rejected this week"),
    "cooldown": Column(("N",), np.int16, 0, "weeks", "weeks before seeking help again"),
    "prison_weeks": Column(("N",), np.int16, 0, "weeks", "prison weeks left"),
    "treatment_weeks": Column(
        ("N",), np.int16, 0, "weeks", "weeks in the current treatment state (TreatmentState)"
    ),
    "crises": Column(("N",), np.int32, 0, "count", "crises so far"),
    # int16: at most one crisis and one EA week a person-week, and at most 5,720 weeks.
    "crisis_kinds": Column(
        ("N", "R"), np.int16, 0, "count", "crises so far by kind (Crisis: A&E, admission, ...)"
    ),
    "ea_weeks": Column(("N",), np.int16, 0, "weeks", "weeks in emergency accommodation so far"),
    "handoffs": Column(("N",), np.int32, 0, "count", "hand-offs so far"),
    "shocks": Column(("N",), np.int32, 0, "count", "life shocks so far (for CRN checks)"),
    # Column by column: a week's charges to one budget holder (staff, programme, rent)
    # then stream through one column instead of touching a cache line per person.
    "cost": Column(("N", "H"), np.int64, 0, "pence", "cost so far by budget holder", "F"),
    "weeks_alive": Column(("N",), np.int32, 0, "weeks", "measured weeks alive"),
    # Justice and hospital spells (processes/life.py).
    "hospital_weeks": Column(("N",), np.int16, 0, "weeks", "hospital weeks left after this"),
    "discharge_day": Column(
        ("N",), np.int32, -1, "day", "day of the last discharge not yet followed (-1 = none)"
    ),
    "sentence": Column(("N",), np.uint8, 0, "class", "current or last sentence: 1 short, 2 long"),
    "release_week": Column(
        ("N",), np.int32, -1, "week", "week of the last release not yet followed (-1 = none)"
    ),
    "in_reach": Column(("N",), np.uint8, 0, "flag", "this custody spell has prison in-reach"),
    # Housing and treatment as states (processes/housing.py) and the set points' anchor.
    "tenancy": Column(("N",), np.uint8, 0, "Tenancy", "tenancy held (0 none, 1 ordinary, 2 HF)"),
    "tenancy_weeks": Column(("N",), np.int32, 0, "weeks", "weeks the current tenancy has run"),
    "treatment": Column(
        ("N",), np.uint8, 0, "TreatmentState", "drug/alcohol treatment state (0 none)"
    ),
    "baseline": Column(
        ("N", "D"), np.float32, 0, "0-1", "initial set points: set points relax toward them"
    ),
    "slot_stable": Column(
        ("N", "K"), np.int16, 0, "weeks", "consecutive stable weeks of the episode (step-down)"
    ),
    # A cohort-only programme (CareModel.enrol): the kernels read its levers for these.
    "programme": Column(("N",), np.uint8, 0, "flag", "enrolled in a cohort programme (0 = no)"),
}
FAMILY = {
    "start": Column(("F",), np.int32, 0, "index", "first member (members are contiguous)"),
    "size": Column(("F",), np.int32, 0, "persons", "number of members"),
    "support": Column(("F",), np.float32, 1, "0-1", "family support capacity"),
}
WORKER = {
    "service": Column(("W",), np.int32, 0, "service", "employing service"),
    # int64: at the widest ranges (500,000 posts, all leaving every week for 5,720
    # weeks) the ids issued pass 2**31.
    "uid": Column(("W",), np.int64, 0, "id", "id of the post holder (new id on turnover)"),
    "caseload": Column(("W",), np.int32, 0, "persons", "persons currently held"),
    "skill": Column(("W",), np.float32, 0.7, "0-1", "practice skill"),
    "burnout": Column(("W",), np.float32, 0.1, "0-1", "burnout"),
    "tenure": Column(("W",), np.int32, 0, "weeks", "weeks in post"),
    "tolerance": Column(("W",), np.float32, 0.5, "0-1", "tolerance of ambiguity"),
}
SERVICE = {
    "capacity": Column(("S",), np.int32, 0, "persons", "caseload capacity (sum over posts)"),
    "load": Column(("S",), np.int32, 0, "persons", "persons held"),
    "queue": Column(("S",), np.int32, 0, "persons", "persons waiting"),
    "knowledge": Column(("S",), np.float64, 0.4, "0-1", "practice knowledge"),
    "gaming": Column(("S",), np.float64, 0.0, "0-1", "learned gaming of targets"),
    "partner_trust": Column(("S", "S"), np.float64, 0.3, "0-1", "trust toward other services"),
    "relationships": Column(("S",), np.float64, 0, "0-1", "Kim loop: mean trust of persons"),
    "thinking": Column(("S",), np.float64, 0, "0-1", "Kim loop: shared understanding"),
    "actions": Column(("S",), np.float64, 0, "0-1", "Kim loop: match of support to need"),
    "results": Column(("S",), np.float64, 0, "0-1", "Kim loop: need reduction"),
    # The area's one flexible-budget pot (shape (1,): a stock of the whole system).
    "budget_pot": Column(("U",), np.int64, 0, "pence", "flexible-budget pot (unspent money)"),
}
SCHEMAS = {"person": PERSON, "family": FAMILY, "worker": WORKER, "service": SERVICE}


class Table:
    """Methods of every entity table: a NamedTuple of arrays, one field per schema row.

    The tables are the state (there is no other copy): kernels take a whole table as one
    argument, Python reads ``state.person.need``. A table's arrays cannot be rebound,
    only written in place, so every view of them stays valid.
    """

    __slots__ = ()
    _fields: tuple[str, ...]

    def names(self) -> tuple[str, ...]:
        """Names of the arrays, in schema order."""
        return self._fields

    def nbytes(self) -> int:
        """Total bytes held."""
        return sum(a.nbytes for a in self)  # type: ignore[attr-defined]

    def copy(self):
        """Deep copy (arrays copied, each in its memory layout)."""
        return type(self)(*(a.copy(order="K") for a in self))  # type: ignore[attr-defined]


def make_table(name: str, schema: dict[str, Column], doc: str, mixin: type = Table) -> type:
    """A NamedTuple class with one array field per row of ``schema`` (numba takes it whole).

    Args:
        name: class name; the class must be bound to that name in this module (pickling
            and numba's on-disk cache find it by name).
        schema: the columns, in order.
        doc: the class docstring.
        mixin: methods to add (a subclass of :class:`Table`).
    """
    fields = collections.namedtuple(f"{name}Fields", list(schema), module=__name__)
    return type(name, (mixin, fields), {"__slots__": (), "__doc__": doc, "__module__": __name__})


def allocate(table: type, schema: dict[str, Column], sizes: dict[str, int]):
    """A ``table`` of freshly allocated arrays, each filled with its column's initial value."""
    return table(
        **{
            name: np.full(
                tuple(sizes[s] for s in col.shape), col.init, dtype=col.dtype, order=col.order
            )
            for name, col in schema.items()
        }
    )


PersonTable = make_table("PersonTable", PERSON, "The person arrays (see ``PERSON``).")
FamilyTable = make_table("FamilyTable", FAMILY, "The family arrays (see ``FAMILY``).")
WorkerTable = make_table("WorkerTable", WORKER, "The worker-post arrays (see ``WORKER``).")
ServiceTable = make_table("ServiceTable", SERVICE, "The service arrays (see ``SERVICE``).")
TABLES = {
    "person": PersonTable,
    "family": FamilyTable,
    "worker": WorkerTable,
    "service": ServiceTable,
}


def sizes_of(n: int, f: int, w: int) -> dict[str, int]:
    """Sizes of the schema's shape letters for ``n`` persons, ``f`` families, ``w`` posts."""
    return {
        "N": n,
        "F": f,
        "W": w,
        "S": N_SERVICES,
        "D": N_DOMAINS,
        "R": len(Crisis),
        "K": SLOTS,
        "H": len(Holder),
        "C": N_CHUNKS,
        "I": len(Item),
        "E": len(Event),
        "G": len(Group),
        "P": len(ServiceSum),
        "V": len(WellbeingSum),
        "U": 1,  # one: stocks of the whole system (the budget pot)
    }


@dataclass
class State:
    """All state of one run: one table per entity."""

    person: PersonTable  # type: ignore[valid-type]
    family: FamilyTable  # type: ignore[valid-type]
    worker: WorkerTable  # type: ignore[valid-type]
    service: ServiceTable  # type: ignore[valid-type]

    @classmethod
    def empty(cls, n: int, f: int, w: int) -> State:
        """Preallocate a state for ``n`` persons, ``f`` families, ``w`` worker posts."""
        sizes = sizes_of(n, f, w)
        return cls(*(allocate(TABLES[k], SCHEMAS[k], sizes) for k in TABLES))

    def copy(self) -> State:
        """Deep copy."""
        return State(
            self.person.copy(), self.family.copy(), self.worker.copy(), self.service.copy()
        )

    def bytes_per_person(self) -> float:
        """State bytes per person (all entities' arrays divided by persons)."""
        total = sum(a.nbytes() for a in (self.person, self.family, self.worker, self.service))
        return total / max(1, len(self.person.pid))


# --------------------------------------------------------------------------------------
# The week's books: tariff and per-chunk partials, written by the kernels.
# --------------------------------------------------------------------------------------


class _BooksMethods(Table):
    __slots__ = ()

    def clear(self) -> None:
        """Zero the week's ledger, event and service partials (the tariff stays).

        ``wellbeing_sums`` is not cleared: the support kernel writes all of it.
        """
        self.ledger[:] = 0  # type: ignore[attr-defined]
        self.events[:] = 0  # type: ignore[attr-defined]
        self.service_sums[:] = 0.0  # type: ignore[attr-defined]


BOOKS = {
    "pence": Column(("I",), np.int64, 0, "pence", "price of one unit of each ledger item"),
    "holder": Column(("I",), np.int64, 0, "Holder", "budget holder charged for each item"),
    "ledger": Column(("C", "I", "G"), np.int64, 0, "pence", "cost by chunk, item and group"),
    "events": Column(("C", "E", "G"), np.int64, 0, "count", "events by chunk, event, group"),
    "service_sums": Column(
        ("C", "S", "P"), np.float64, 0, "ServiceSum", "sums over episodes by chunk, service"
    ),
    "wellbeing_sums": Column(
        ("C", "G", "V"), np.float64, 0, "WellbeingSum", "wellbeing sums by chunk and group"
    ),
}
Books = make_table(
    "Books",
    BOOKS,
    """The week's books: the tariff and the kernels' per-chunk partials (see ``BOOKS``).

    Chunk ``c`` holds what the kernels counted for persons ``c*n//N_CHUNKS`` to
    ``(c+1)*n//N_CHUNKS`` (or chunk 0, for the serial parts). Integer partials are
    exact in any order; float partials are combined in chunk order (``chunk_sum``).
    """,
    _BooksMethods,
)


def new_books(pence: np.ndarray, holder: np.ndarray) -> Books:  # type: ignore[valid-type]
    """Empty books with the tariff ``pence`` (int64 per item) and ``holder`` (per item)."""
    books = allocate(Books, BOOKS, sizes_of(0, 0, 0))
    books.pence[:] = pence
    books.holder[:] = holder
    return books


N_ITEMS = len(Item)
N_EVENTS = len(Event)
N_GROUPS = len(Group)
