"""The unit-cost table and the cost ledger's item list.

Each row carries its value, plausible low and high, unit, price year, source and
evidence status (``✔`` seen in a source, ``✔d`` derived from seen numbers, ``◇``
background knowledge to verify, ``model`` a modelling assumption), each row naming the
publication it comes from. The table keeps each value in its published price year;
:func:`item_pence` converts it to the model's price base year, 2023/24 (``PRICE_BASE``),
with the HM Treasury GDP deflators shipped as package data (``data/gdp_deflators.csv``,
read by :func:`deflators`). Rows with price year ``-`` are model assumptions stated in
2023/24 prices.

A ledger *item* is one kind of costed activity. Its cost per event is
``unit value × quantity`` (e.g. a non-elective admission is 5 bed days). Each item is
tagged value or failure demand, cashable or not, and has a budget holder. The model
accumulates costs as integer pence, so totals equal the sum of the ledger exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np

from carecomplex.errors import ParamError, shown
from carecomplex.resources import data_path


@dataclass(frozen=True)
class UnitCost:
    """One row of the unit-cost table."""

    value: float
    low: float
    high: float
    unit: str
    price_year: str
    source: str
    status: str

    @property
    def value_2324(self) -> float:
        """The value in 2023/24 prices (:func:`deflate` from its price year)."""
        return deflate(self.value, self.price_year)


class Item(IntEnum):
    """Ledger items, in the order of the ledger's columns."""

    ASSESSMENT = 0
    REASSESSMENT = 1
    REFERRAL = 2
    STAFF = 3  # was SUPPORT (per contact hour); model 2: the posts' fixed cost
    AE = 4
    AMBULANCE = 5
    ADMISSION = 6
    MH_ADMISSION = 7
    CUSTODY = 8
    PRISON_WEEK = 9
    EMERGENCY_ACCOMMODATION = 10
    TENANCY = 11
    TREATMENT = 12
    IDLE_STAFF = 13  # cost of posts holding nobody: in the ledger, on no person's account
    PROGRAMME = 14  # training, recommissioning, double running, alliance overhead
    TENANCY_RENT = 15
    HOUSING_FIRST_SUPPORT = 16
    TREATMENT_START = 17


class Holder(IntEnum):
    """Budget holders, the columns of each person's cost account."""

    SUPPORT_SERVICES = 0
    NHS_ACUTE = 1
    MENTAL_HEALTH = 2
    SUBSTANCE = 3
    HOUSING = 4
    JUSTICE = 5


_PSSRU = "PSSRU Unit Costs, via GMCA/New Economy Unit Cost Database"
UNIT_COSTS: dict[str, UnitCost] = {
    "social_worker_hour": UnitCost(
        55.0, 40.0, 75.0, "£ per hour of client-related work", "2013/14", _PSSRU, "✔"
    ),
    "key_worker_hour": UnitCost(
        32.0,
        25.0,
        40.0,
        "£ per hour",
        "2023/24",
        "PSSRU/CHE Unit Costs of Health and Social Care 2023/24 (community support worker)",
        "◇",
    ),
    "key_worker_fte_year": UnitCost(
        45000.0,
        35000.0,
        60000.0,
        "£ per FTE post-year (salary, on-costs, overheads)",
        "2023/24",
        "PSSRU/CHE Unit Costs of Health and Social Care 2023/24 style: community support / "
        "key worker, salary about £28k plus on-costs and overheads (to verify)",
        "◇",
    ),
    "ae_attendance": UnitCost(
        313.0,
        114.0,
        400.0,
        "£ per attendance",
        "2020/21",
        "NHS Digital PLICS via HFMA (£4.5bn / 14.4m attendances)",
        "✔d",
    ),
    "ambulance_incident": UnitCost(
        270.0,
        99.0,
        350.0,
        "£ per incident",
        "2020/21",
        "NHS Digital via HFMA (£2.7bn / >10m incidents)",
        "✔d",
    ),
    "non_elective_bed_day": UnitCost(
        901.0,
        345.0,
        1032.0,
        "£ per bed-day",
        "2020/21",
        "DHSC written answers (National Cost Collection 2020/21)",
        "✔",
    ),
    "mh_bed_day": UnitCost(
        500.0, 450.0, 550.0, "£ per bed-day", "2021/22", "NHS National Cost Collection (MHCC)", "◇"
    ),
    "arrest": UnitCost(
        2241.0,
        1500.0,
        3000.0,
        "£ per arrest incl. custody",
        "2012/13",
        "New Economy / Troubled Families Unit Cost Database",
        "✔",
    ),
    "prison_place_year": UnitCost(
        51724.0,
        27348.0,
        60000.0,
        "£ per prisoner-year",
        "2022/23",
        "MoJ Costs per place and costs per prisoner 2022/23",
        "✔",
    ),
    "temporary_accommodation_night": UnitCost(
        45.0,
        30.0,
        90.0,
        "£ per household-night",
        "2022/23",
        "DLUHC LA revenue outturn via Shelter (£1.74bn / 104,510 households)",
        "✔d",
    ),
    "tenancy_setup": UnitCost(
        1500.0,
        500.0,
        3000.0,
        "£ per tenancy started",
        "-",
        "model assumption (deposit, furniture, sustainment)",
        "model",
    ),
    "treatment_year": UnitCost(
        3000.0,
        2000.0,
        4000.0,
        "£ per client-year",
        "-",
        "OHID/PHE commissioning data (community structured treatment)",
        "◇",
    ),
    "tenancy_rent_week": UnitCost(
        110.0,
        85.0,
        200.0,
        "£ per tenancy-week",
        "2023/24",
        "rent paid through housing benefit: social rents about £100 a week (DLUHC/RSH "
        "statistical data return 2023/24), 1-bed Local Housing Allowance higher (VOA 2023/24)",
        "◇",
    ),
}


_PENCE = UnitCost(
    0.01, 0.01, 0.01, "£ (one penny)", "-", "model assumption (programme parameters)", "model"
)  # the "unit cost" of an item charged in pence (PROGRAMME), for the item table


@dataclass(frozen=True)
class ItemSpec:
    """How a ledger item is costed and classified."""

    unit: str
    quantity: float
    quantity_basis: str
    holder: Holder
    failure_demand: bool
    cashable: bool


ITEMS: dict[Item, ItemSpec] = {
    Item.ASSESSMENT: ItemSpec(
        "social_worker_hour",
        2.0,
        "2 h per assessment (assumption)",
        Holder.SUPPORT_SERVICES,
        False,
        True,
    ),
    Item.REASSESSMENT: ItemSpec(
        "social_worker_hour",
        2.0,
        "repeat of an assessment already done",
        Holder.SUPPORT_SERVICES,
        True,
        True,
    ),
    Item.REFERRAL: ItemSpec(
        "social_worker_hour",
        0.5,
        "0.5 h per rejection or hand-off",
        Holder.SUPPORT_SERVICES,
        True,
        True,
    ),
    Item.STAFF: ItemSpec(
        "key_worker_fte_year",
        1 / 52,
        "per post-week, shared equally by the persons the post holds",
        Holder.SUPPORT_SERVICES,
        False,
        True,
    ),
    Item.AE: ItemSpec("ae_attendance", 1.0, "per attendance", Holder.NHS_ACUTE, True, False),
    Item.AMBULANCE: ItemSpec(
        "ambulance_incident", 1.0, "per incident", Holder.NHS_ACUTE, True, False
    ),
    Item.ADMISSION: ItemSpec(
        "non_elective_bed_day",
        1.0,
        "per bed day (length of stay drawn per spell, mean crisis.admission_days)",
        Holder.NHS_ACUTE,
        True,
        False,
    ),
    Item.MH_ADMISSION: ItemSpec(
        "mh_bed_day",
        21.0,
        "21 bed days per admission (assumption)",
        Holder.MENTAL_HEALTH,
        True,
        False,
    ),
    Item.CUSTODY: ItemSpec("arrest", 1.0, "per arrest", Holder.JUSTICE, True, False),
    Item.PRISON_WEEK: ItemSpec(
        "prison_place_year", 1 / 52, "per prisoner-week", Holder.JUSTICE, True, False
    ),
    Item.EMERGENCY_ACCOMMODATION: ItemSpec(
        "temporary_accommodation_night", 7.0, "per household-week", Holder.HOUSING, True, True
    ),
    Item.TENANCY: ItemSpec("tenancy_setup", 1.0, "per tenancy", Holder.HOUSING, False, True),
    Item.TREATMENT: ItemSpec(
        "treatment_year", 1 / 52, "per client-week in treatment", Holder.SUBSTANCE, False, True
    ),
    Item.IDLE_STAFF: ItemSpec(
        "key_worker_fte_year",
        1 / 52,
        "per post-week of a post holding nobody (idle capacity)",
        Holder.SUPPORT_SERVICES,
        False,
        True,
    ),
    Item.PROGRAMME: ItemSpec(
        "",
        1.0,
        "charged in pence, the week's amount from the programme parameters",
        Holder.SUPPORT_SERVICES,
        False,
        True,
    ),
    Item.TENANCY_RENT: ItemSpec(
        "tenancy_rent_week", 1.0, "per housed week (housing benefit)", Holder.HOUSING, False, True
    ),
    Item.HOUSING_FIRST_SUPPORT: ItemSpec(
        "key_worker_hour",
        1.0,
        "per Housing First support hour",
        Holder.SUPPORT_SERVICES,
        False,
        True,
    ),
    Item.TREATMENT_START: ItemSpec(
        "treatment_year",
        4 / 52,
        "an immediate start bought from the budget pot: four weeks of treatment paid ahead "
        "(model assumption)",
        Holder.SUBSTANCE,
        False,
        True,
    ),
}


def validate_cost_overrides(values: Any) -> dict[str, float]:
    """Check a ``[costs]`` table: known unit-cost rows, finite values within 0..10 x high."""
    if not isinstance(values, Mapping):
        raise ParamError("costs", f"expected a table of unit costs, got {type(values).__name__}")
    out = {}
    for key, value in values.items():
        path = f"costs.{key}"
        if key not in UNIT_COSTS:
            raise ParamError(path, f"unknown unit cost (known: {', '.join(sorted(UNIT_COSTS))})")
        hi = 10 * UNIT_COSTS[key].high
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not 0 <= value <= hi:
            raise ParamError(
                path,
                f"expected a number from 0 to {hi:g} ({UNIT_COSTS[key].unit}), got {shown(value)}",
            )
        out[key] = float(value)
    return out


def item_pence(overrides: Mapping[str, float] | None = None) -> np.ndarray:
    """Cost per event of each ledger item in integer pence, 2023/24 prices, (n_items,) int64.

    Each unit cost (or its override from a ``[costs]`` table, read in the row's own price
    year) is deflated from its price year to 2023/24 (:func:`deflate`).
    """
    overrides = overrides or {}
    out = np.zeros(len(Item), dtype=np.int64)
    for item, spec in ITEMS.items():
        if not spec.unit:  # charged in pence directly (PROGRAMME)
            out[item] = 1
            continue
        row = UNIT_COSTS[spec.unit]
        value = deflate(overrides.get(spec.unit, row.value), row.price_year)
        out[item] = round(100 * value * spec.quantity)
    return out


def item_holders() -> np.ndarray:
    """Budget holder of each ledger item, shape (n_items,), int64."""
    return np.array([ITEMS[i].holder for i in Item], dtype=np.int64)


def item_table() -> list[dict[str, Any]]:
    """The ledger items joined to their unit-cost rows (for docs and reports)."""
    rows = []
    for item, spec in ITEMS.items():
        uc = UNIT_COSTS.get(spec.unit, _PENCE)
        rows.append(
            {
                "item": item.name.lower(),
                "unit_cost": spec.unit or "-",
                "value": uc.value,
                "low": uc.low,
                "high": uc.high,
                "unit": uc.unit,
                "price_year": uc.price_year,
                "value_2324": uc.value_2324,
                "quantity": spec.quantity,
                "basis": spec.quantity_basis,
                "holder": spec.holder.name.lower(),
                "failure_demand": spec.failure_demand,
                "cashable": spec.cashable,
                "source": uc.source,
                "status": uc.status,
            }
        )
    return rows


# --------------------------------------------------------------------------------------
# One price base year: HM Treasury GDP deflators (package data), model 2.
# --------------------------------------------------------------------------------------

PRICE_BASE = "2023/24"
"""The price base year of every cost the model reports."""


@functools.cache
def deflators() -> dict[str, float]:
    """GDP deflator index by financial year (``"2012/13"`` form), from the package data.

    ``data/gdp_deflators.csv``: ``year,index`` rows after ``#`` comment lines naming the
    source and release (HM Treasury, "GDP deflators at market prices, and money GDP").
    """
    text = data_path("data", "gdp_deflators.csv").read_text(encoding="utf-8")
    out = {}
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    for line in lines[1:]:  # after the header
        year, index = line.split(",")[:2]
        out[year.strip().replace("-", "/")] = float(index)
    return out


def deflate(value: float, price_year: str, base: str = PRICE_BASE) -> float:
    """``value`` in ``price_year`` prices converted to ``base`` prices (GDP deflator ratio).

    A price year of ``-`` (a model assumption) is taken to be in ``base`` prices already.
    Raises :class:`ParamError` for a year the deflator table does not hold.
    """
    if price_year == "-" or price_year == base:
        return value
    table = deflators()
    for year in (price_year, base):
        if year not in table:
            raise ParamError("costs", f"no GDP deflator for price year {year!r}")
    return value * table[base] / table[price_year]
