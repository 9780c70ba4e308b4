"""Generated documentation: the parameter reference ``docs/parameters.md``.

The Markdown is built only from the definitions in :mod:`carecomplex.params`
(:func:`~carecomplex.params.describe`) and :mod:`carecomplex.costs`
(:data:`~carecomplex.costs.UNIT_COSTS`, :func:`~carecomplex.costs.item_table`), so the
document cannot drift from the code: regenerate it after any change there. The output
is deterministic (no dates, no paths), so a test can compare the file in the repository
with a fresh rendering.
"""

from __future__ import annotations

from typing import Any

from carecomplex.costs import PRICE_BASE, UNIT_COSTS, item_table
from carecomplex.params import Params, describe

STATUS_LEGEND = (
    ("✔", "seen in a source located when the evidence note was compiled"),
    ("✔d", "derived from seen numbers (the derivation is stated in the row's source)"),
    ("◇", "background knowledge, not located in a source: to verify before relying on it"),
    ("model", "a modelling assumption, not an observed number"),
)


def _cell(value: Any) -> str:
    """One Markdown table cell: numbers formatted, pipes and newlines escaped."""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}" if abs(value) >= 10_000 else str(value)
    elif isinstance(value, float):
        text = f"{value:,.0f}" if value.is_integer() and abs(value) >= 10_000 else f"{value:g}"
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _money(value: float) -> str:
    """Pounds with thousands separators; pence shown only when present."""
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a Markdown table (cells already formatted)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _group_docs() -> dict[str, str]:
    """First docstring line of each parameter group's dataclass, keyed by group name."""
    defaults = Params()
    out = {}
    for name in dict.fromkeys(row["group"] for row in describe()):
        doc = type(getattr(defaults, name)).__doc__ or ""
        out[name] = doc.strip().splitlines()[0] if doc.strip() else ""
    return out


CALIBRATED = (
    "; **calibrated**: posterior median of the shipped ensemble ([calibration.md](calibration.md))"
)


def _calibrated() -> set[str]:
    """The parameters the shipped calibration fits (from the shipped priors file)."""
    from carecomplex.calibration.targets import load

    return set(load("default").parameters)


def _parameter_sections() -> list[str]:
    """One section and table per parameter group, in declaration order."""
    rows = describe()
    docs = _group_docs()
    calibrated = _calibrated()
    lines: list[str] = []
    for group in docs:
        lines += ["", f"### `[{group}]`", "", docs[group], ""]
        body = [
            [
                f"`{r['name']}`",
                _cell(r["default"]),
                f"{_cell(r['lo'])} – {_cell(r['hi'])}",
                _cell(r["unit"]),
                _cell(r["doc"]),
                _cell(r["source"])
                + (CALIBRATED if f"{r['group']}.{r['name']}" in calibrated else ""),
            ]
            for r in rows
            if r["group"] == group
        ]
        header = ["name", "default", "allowed range", "unit", "meaning", "source"]
        lines += _table(header, body)
        if group == "regime":
            lines += [
                "",
                "The `[after]` table takes the same keys, ranges and defaults as `[regime]`: "
                "the levers a transition moves toward from `transition.week` on.",
                "",
                "The `[history]` table (model 2) takes the same keys and ranges, but its "
                "defaults are the siloed corner of `scenarios/siloed.toml` (target_pressure "
                "0.7, episode_cap 12, eligibility 0.5, information_sharing 0.1, continuity "
                "0.05, the rest 0; keys left out of a `[history]` table keep these): the "
                "levers of the burn-in, shared by every arm, from which `regime` is reached "
                "along the learning curve from week 0 (docs/ODD.md §7.1).",
            ]
    return lines


def _unit_cost_section() -> list[str]:
    """The unit-cost table, one row per entry of ``UNIT_COSTS``."""
    header = [
        "key",
        "value",
        "low",
        "high",
        "unit",
        "price year",
        f"value in {PRICE_BASE}",
        "source",
        "status",
    ]
    body = [
        [
            f"`{key}`",
            _money(uc.value),
            _money(uc.low),
            _money(uc.high),
            _cell(uc.unit),
            _cell(uc.price_year),
            _money(round(uc.value_2324, 2)),
            _cell(uc.source),
            _cell(uc.status),
        ]
        for key, uc in UNIT_COSTS.items()
    ]
    return [
        "",
        "## Unit costs",
        "",
        "Values, lows and highs are in their published price year; the model converts each "
        f"to {PRICE_BASE} prices with the HM Treasury GDP deflators shipped in "
        "`carecomplex/data/gdp_deflators.csv` (**unverified**: entered from background "
        "knowledge of the series, to be replaced by a named release; see the file's "
        "header). Rows with price year `-` are model assumptions in "
        f"{PRICE_BASE} prices. A scenario can override any value in a `[costs]` table "
        "(`key = value` in the row's price year, from 0 to 10 × the high value).",
        "",
        *_table(header, body),
    ]


def _item_section() -> list[str]:
    """The ledger items joined to their unit costs, with demand and cashable tags."""
    header = [
        "item",
        "unit cost",
        "quantity per event",
        "cost per event",
        "value",
        "low",
        "high",
        "unit",
        "price year",
        "budget holder",
        "demand",
        "cashable",
        "source",
        "status",
    ]
    body = [
        [
            f"`{r['item']}`",
            f"`{r['unit_cost']}`",
            f"{_cell(round(r['quantity'], 4))} ({_cell(r['basis'])})",
            _money(round(r["value_2324"] * r["quantity"], 2)),
            _money(r["value"]),
            _money(r["low"]),
            _money(r["high"]),
            _cell(r["unit"]),
            _cell(r["price_year"]),
            _cell(r["holder"].replace("_", " ")),
            "failure" if r["failure_demand"] else "value",
            _cell(bool(r["cashable"])),
            _cell(r["source"]),
            _cell(r["status"]),
        ]
        for r in item_table()
    ]
    return [
        "",
        "## Ledger items",
        "",
        "Each costed activity is one ledger item; its cost per event is the unit value "
        f"in {PRICE_BASE} prices times the quantity, charged in integer pence to the "
        "person, the budget holder and the week (staff: a post's weekly cost shared by "
        "the persons it holds; idle posts to the ledger only). *Failure* demand is "
        "demand caused by a failure to do something or do it right earlier (crises, "
        "repeat assessments, hand-offs); *value* demand "
        "is the support people need. *Cashable* marks spending a budget holder could "
        "actually release.",
        "",
        *_table(header, body),
    ]


def _legend_section() -> list[str]:
    """The legend of evidence-status marks."""
    lines = ["", "## Evidence status marks", ""]
    lines += _table(["mark", "meaning"], [[m, text] for m, text in STATUS_LEGEND])
    return lines


def parameters_markdown() -> str:
    """Render the parameter and cost reference as a Markdown document.

    The document has one table per parameter group (name, default, allowed range,
    unit, meaning, source), the unit-cost table, the ledger items with their demand
    and cashable tags, and a legend of the evidence-status marks.

    Returns:
        The Markdown text, ending in a newline. It depends only on the code, so two
        calls give identical text.
    """
    lines = [
        "# Parameters and unit costs",
        "",
        "<!-- Generated by carecomplex.docs.parameters_markdown(); do not edit by hand. -->",
        "",
        "Every parameter below can be set in a scenario file under its group's table "
        "(for example `[crisis]` with `base_rate = 0.002`). Unknown keys, wrong types "
        "and values outside the allowed range are errors. The model itself is "
        "described in [ODD.md](ODD.md); *model assumption* in the source column means "
        "the value is a prior chosen for the model, not a measured number.",
        "",
        "## Parameters",
        *_parameter_sections(),
        *_unit_cost_section(),
        *_item_section(),
        *_legend_section(),
    ]
    return "\n".join(lines) + "\n"
